"""API of goals and KPIs: the metric catalog, figures, goals with their key results and
approval actions, check-ins, leaderboards and the data behind each dashboard panel."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from rapport.core.api.viewsets import ScopedModelViewSet, ScopedViewSet
from rapport.core.services import write_in_scope
from rapport.goals import catalog, services
from rapport.goals.api import serializers as s
from rapport.goals.models import CheckIn, Goal, KeyResult
from rapport.goals.progress import progress_for

PERIOD = OpenApiParameter("period", str, description="2026-11, 2026-Q3 or 2026 (fiscal year)")


def _period(request):
    from rapport.goals.views.dashboards import chosen_period

    if request.query_params.get("period"):
        from rapport.goals.models import GoalSettings
        from rapport.goals.periods import Period

        try:
            Period.parse(request.query_params["period"], GoalSettings.current().fiscal_year_start)
        except ValueError as error:
            raise ValidationError({"period": str(error)}) from None
    return chosen_period(request._request)


class MetricViewSet(viewsets.ViewSet):
    """The metric catalog: every KPI the CRM computes, with its definition."""

    permission_classes = [IsAuthenticated]
    lookup_field = "key"
    lookup_value_regex = "[a-z_]+"

    @extend_schema(responses=s.MetricSerializer(many=True))
    def list(self, request):
        return Response(s.MetricSerializer([_plain(m) for m in catalog.metrics()], many=True).data)

    @extend_schema(responses=s.MetricSerializer)
    def retrieve(self, request, key=None):
        metric = catalog.get(key)
        if metric is None:
            from django.http import Http404

            raise Http404
        return Response(s.MetricSerializer(_plain(metric)).data)


def _plain(metric) -> dict:
    return {
        "key": metric.key, "name": str(metric.name), "kind": metric.kind, "unit": metric.unit,
        "direction": metric.direction, "definition": str(metric.definition),
        "summable": metric.summable, "inputs": list(metric.inputs),
    }  # fmt: skip


class MetricValueViewSet(viewsets.ViewSet):
    """Figures of metrics for an owner (`user:ID`, `team:ID` — with its subtree — or
    `company`) over a period, from the daily snapshots plus today's live part."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str, many=True, required=True),
            OpenApiParameter(
                "owner", str, required=True, description="user:ID, team:ID or company"
            ),
            PERIOD,
        ],
        responses=s.FigureSerializer(many=True),
    )
    def list(self, request):
        from rapport.goals.selectors import Subject, figures

        keys = request.query_params.getlist("metric")
        unknown = [key for key in keys if catalog.get(key) is None]
        if not keys or unknown:
            raise ValidationError({"metric": _("Name one or more metrics from the catalog.")})
        try:
            subject = Subject.parse(request.query_params.get("owner", ""))
        except ValueError:
            raise ValidationError(
                {"owner": _("Write the owner as user:ID, team:ID or company.")}
            ) from None
        period = _period(request)
        found = figures(request.user, subject, period, keys)
        data = s.FigureSerializer([found[key] for key in keys], many=True).data
        return Response({"owner": str(subject), "period": period.code, "results": data})


class GoalViewSet(ScopedModelViewSet):
    """Goals (OKR objectives) with their key results and pace. Leads and admins set goals
    for their teams and people; an account manager drafts their own and proposes it."""

    model = Goal
    serializer_class = s.GoalSerializer
    select_related = ("owner_team", "owner_user")
    ordering = ["-period_start", "id"]

    def get_serializer_class(self):
        if self.action == "create":
            return s.GoalCreateSerializer
        if self.action in {"update", "partial_update"}:
            return s.GoalUpdateSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        from rapport.goals.models import GoalSettings

        context = super().get_serializer_context()
        context["fiscal_start"] = GoalSettings.current().fiscal_year_start
        goals = getattr(self, "_page_goals", None)
        if goals is not None:
            krs = list(
                KeyResult.objects.filter(goal__in=goals)
                .select_related("goal")
                .order_by("position", "pk")
            )
            context["key_results"] = krs
            context["progress"] = progress_for(self.request.user, krs)
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self._page_goals = [goal.pk for goal in page]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self._page_goals = [obj.pk]
        return self._with_etag(Response(self.get_serializer(obj).data), obj)

    def _read(self, obj) -> dict:
        self._page_goals = [obj.pk]
        fresh = self.get_queryset().get(pk=obj.pk)
        return s.GoalSerializer(fresh, context=self.get_serializer_context()).data

    def create_object(self, *, actor, data):
        key_results = [dict(item) for item in data.pop("key_results_input", [])]
        return services.goal_create(actor=actor, data=data, key_results=key_results)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.goal_update(
            actor=actor, goal=obj, data=data, expected_version=expected_version
        )

    def _act(self, request, service, **extra):
        """One goal verb. An If-Match that is not the goal's current ETag is refused with
        412 and what changed since (a decision on a goal someone just edited)."""
        from rapport.core.api.errors import PreconditionFailed
        from rapport.core.api.viewsets import etag_matches, version_of
        from rapport.core.services import stale_changes

        goal = self.get_object()
        if_match = request.headers.get("If-Match")
        if if_match and not etag_matches(if_match, goal.etag):
            raise PreconditionFailed(changes=stale_changes(goal, version_of(if_match)))
        expected = goal.version
        done = write_in_scope(
            request.user,
            lambda: service(actor=request.user, goal=goal, expected_version=expected, **extra),
        )
        return Response(self._read(done))

    @extend_schema(request=None, responses=s.GoalSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish after the SMART check (leads and admins, for goals they manage)."""
        return self._act(request, services.goal_publish)

    @extend_schema(request=None, responses=s.GoalSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """The owner proposes their own draft (or returned) goal to their lead."""
        return self._act(request, services.goal_propose)

    @extend_schema(request=None, responses=s.GoalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, services.goal_approve)

    @extend_schema(request=s.ReturnSerializer, responses=s.GoalSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        """Send a proposed goal back to its owner with a comment."""
        body = s.ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(request, services.goal_return, comment=body.validated_data["comment"])

    @extend_schema(request=None, responses=s.GoalSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._act(request, services.goal_archive)


class KeyResultViewSet(ScopedModelViewSet):
    """Key results: bound to a metric (progress computed) or manual (check-ins)."""

    model = KeyResult
    serializer_class = s.KeyResultSerializer
    select_related = ("goal",)
    ordering = ["goal_id", "position", "id"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        krs = getattr(self, "_page_krs", None)
        if krs:
            context["progress"] = progress_for(self.request.user, krs)
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._page_krs = list(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self._page_krs = [obj]
        return self._with_etag(Response(self.get_serializer(obj).data), obj)

    def create_object(self, *, actor, data):
        goal = data.pop("goal")
        if not Goal.objects.visible_to(actor).filter(pk=goal.pk).exists():
            raise ValidationError({"goal": _("Choose a goal you can see.")})
        return services.key_result_add(actor=actor, goal=goal, data=data)

    def update_object(self, *, actor, obj, data, expected_version):
        data.pop("goal", None)
        return services.key_result_update(
            actor=actor, key_result=obj, data=data, expected_version=expected_version
        )

    @extend_schema(request=s.SplitSerializer, responses=s.KeyResultSerializer(many=True))
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """目标分解: give child teams or members a share of this target. The answer lists
        the shares; `mismatch` in the key result's split status says if they do not add up."""
        from rapport.org.models import Team, User

        kr = self.get_object()
        body = s.SplitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shares = []
        for item in body.validated_data["shares"]:
            if item.get("user"):
                owner = get_object_or_404(User.objects.visible_to(request.user), pk=item["user"])
            else:
                owner = get_object_or_404(Team.objects.visible_to(request.user), pk=item["team"])
            shares.append({"owner": owner, "target": item["target"]})

        def split_and_recheck():
            services.key_result_split(actor=request.user, key_result=kr, shares=shares)
            return kr  # re-checked in scope after the write

        made = write_in_scope(request.user, split_and_recheck)
        status = services.split_status(made)
        self._page_krs = status["shares"]
        data = s.KeyResultSerializer(
            status["shares"], many=True, context=self.get_serializer_context()
        ).data
        return Response(
            {
                "total": status["total"],
                "target": kr.target,
                "mismatch": status["mismatch"],
                "shares": data,
            }
        )


class CheckInViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Check-ins on manual key results: the value now, a comment, a confidence (0–10)."""

    model = CheckIn
    serializer_class = s.CheckInSerializer
    select_related = ("author",)
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        body = s.CheckInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        kr = data["key_result"]
        if not KeyResult.objects.visible_to(request.user).filter(pk=kr.pk).exists():
            raise ValidationError({"key_result": _("Choose a key result you can see.")})
        made = services.check_in_create(
            actor=request.user, key_result=kr, value=data["value"],
            comment=data.get("comment", ""), confidence=data["confidence"],
        )  # fmt: skip
        return Response(s.CheckInSerializer(made).data, status=201)


class LeaderboardViewSet(viewsets.ViewSet):
    """People ranked by one metric over a period, in a team or the whole company."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str),
            PERIOD,
            OpenApiParameter("team", OpenApiTypes.INT),
        ],
        responses=s.LeaderboardEntrySerializer(many=True),
    )
    def list(self, request):
        from rapport.goals.leaderboard import board
        from rapport.goals.views.leaderboard import chosen_board

        if (
            request.query_params.get("metric")
            and catalog.get(request.query_params["metric"]) is None
        ):
            raise ValidationError({"metric": _("Choose a metric from the catalog.")})
        _period(request)
        key, period, team = chosen_board(request._request)
        data = board(request.user, key, period, team)
        return Response({
            "metric": key, "period": period.code, "team": team.pk if team else None,
            "minimum_volume": data["minimum"], "names_hidden": data["hidden_names"],
            "results": s.LeaderboardEntrySerializer(data["entries"], many=True).data,
        })  # fmt: skip


class DashboardViewSet(viewsets.ViewSet):
    """The data behind each dashboard panel: tables (with drill-down links) and charts."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.PanelSerializer(many=True))
    @action(detail=False, methods=["get"])
    def personal(self, request):
        from rapport.goals.dashboards.personal import personal_dashboard

        return Response(
            {"results": s.PanelSerializer(personal_dashboard(request.user), many=True).data}
        )

    @extend_schema(parameters=[PERIOD], responses=s.PanelSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"team/(?P<team_id>\d+)")
    def team(self, request, team_id=None):
        from rapport.goals.dashboards.team import team_dashboard
        from rapport.goals.selectors import Subject, require_view
        from rapport.org.models import Team

        team = get_object_or_404(Team.objects.visible_to(request.user), pk=team_id)
        require_view(request.user, Subject("team", team.pk))
        period = _period(request)
        panels = team_dashboard(request.user, team, period)
        return Response(
            {"period": period.code, "results": s.PanelSerializer(panels, many=True).data}
        )

    @extend_schema(parameters=[PERIOD], responses=s.PanelSerializer(many=True))
    @action(detail=False, methods=["get"])
    def company(self, request):
        from rapport.goals.dashboards.company import company_dashboard
        from rapport.goals.selectors import Subject, require_view

        require_view(request.user, Subject("company"))
        period = _period(request)
        panels = company_dashboard(request.user, period)
        return Response(
            {"period": period.code, "results": s.PanelSerializer(panels, many=True).data}
        )
