"""Opportunity pages: list, detail with stage history, create, edit, and the stage move
that the board, the detail page and phones (a plain form) all post to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic

from rapport.core import services as core
from rapport.core import views as base
from rapport.core.errors import OutOfReachError, StaleObjectError
from rapport.core.pagination import DeferredJoinPaginator
from rapport.core.saved_views import SavedViewsMixin
from rapport.sales import selectors, services
from rapport.sales.filters import OpportunityFilter
from rapport.sales.forms import CUSTOMER_CHOICES, MoveForm, OpportunityForm, editable_customers
from rapport.sales.models import Opportunity, StageChange
from rapport.sales.templatetags.sales import format_totals

SELECT = ("customer", "owner", "team", "stage", "pipeline")


class UserFormKwargs:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class OpportunityListView(SavedViewsMixin, base.ScopedListView):
    model = Opportunity
    filterset_class = OpportunityFilter
    select_related = SELECT
    paginate_by = 100
    paginator_class = DeferredJoinPaginator
    template_name = "sales/opportunity_list.html"
    saved_list_key = "opportunities"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class OpportunityDetailView(base.ScopedDetailView):
    model = Opportunity
    select_related = SELECT
    template_name = "sales/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.object
        changes = list(
            StageChange.objects.visible_to(self.request.user)
            .filter(opportunity=opportunity)
            .select_related("from_stage", "to_stage", "actor")
            .order_by("-changed_at", "-id")[:200]
        )
        context["stage_changes"] = changes
        context["seconds_in_stage"] = int(
            (timezone.now() - opportunity.stage_entered_at).total_seconds()
        )
        context["stages"] = list(opportunity.pipeline.stages.order_by("position"))
        context["move_form"] = MoveForm(
            opportunity=opportunity,
            initial={"stage": opportunity.stage_id, "version": opportunity.version},
        )
        return context


class OpportunityCreateView(UserFormKwargs, base.ScopedCreateView):
    model = Opportunity
    form_class = OpportunityForm
    template_name = "sales/opportunity_form.html"

    def get_initial(self):
        initial = super().get_initial()
        customer = self.request.GET.get("customer", "")
        if customer.isdigit() and editable_customers(self.request.user).filter(pk=customer):
            initial["customer"] = int(customer)
        return initial

    def create_object(self, *, actor, data):
        return services.opportunity_create(actor=actor, data=data)


class OpportunityUpdateView(UserFormKwargs, base.ScopedUpdateView):
    model = Opportunity
    form_class = OpportunityForm
    select_related = SELECT
    template_name = "sales/opportunity_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return services.opportunity_update(
            actor=actor, opportunity=obj, data=data, expected_version=expected_version
        )


@login_required
def customer_options(request):
    """<option>s of the customers the user may add an opportunity to (the picker's search)."""
    from rapport.customers.normalize import fold

    text = request.GET.get("customer_q", "").strip()[:100]
    customers = editable_customers(request.user)
    if text:
        folded = fold(text).replace(" ", "")
        customers = customers.filter(name__icontains=text) | customers.filter(
            search_text__icontains=folded
        )
    customers = customers.order_by("name", "id")[:CUSTOMER_CHOICES]
    return render(request, "sales/_customer_options.html", {"customers": customers})


class OpportunityMoveView(base.ScopedQuerysetMixin, generic.View):
    """POST stage, version, reason. Answers JSON to the board's fetch() (with the refreshed
    column counts and totals), and redirects back with a message for a plain form."""

    model = Opportunity
    select_related = ("stage", "pipeline")
    http_method_names = ["post"]

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def answer(self, status: int, message: str, obj: Opportunity, **extra):
        if self.wants_json():
            body = {"message": message, "version": obj.version, "stage": obj.stage_id, **extra}
            return JsonResponse(body, status=status)
        (messages.success if status == 200 else messages.error)(self.request, message)
        target = self.request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            target = obj.get_absolute_url()
        return HttpResponseRedirect(target)

    def post(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        if not Opportunity.objects.editable_by(request.user).filter(pk=obj.pk).exists():
            if self.wants_json():
                return JsonResponse({"message": _("You may not move this opportunity.")}, 403)
            raise PermissionDenied
        form = MoveForm(request.POST, opportunity=obj)
        if not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            first = next(iter(errors.values()))[0]
            return self.answer(400, first, obj, errors=errors)
        data = form.cleaned_data
        try:
            moved = core.write_in_scope(
                request.user,
                lambda: services.opportunity_move(
                    actor=request.user,
                    opportunity=obj,
                    stage=data["stage"],
                    expected_version=data.get("version"),
                    reason=data.get("reason", ""),
                ),
            )
        except StaleObjectError as error:
            fresh = error.obj
            message = _("Someone else changed this opportunity meanwhile; it was not moved.")
            return self.answer(409, message, fresh, errors={})
        except ValidationError as error:
            errors = getattr(error, "message_dict", {"stage": error.messages})
            first = next(iter(errors.values()))[0]
            return self.answer(400, first, obj, errors=errors)
        except OutOfReachError as error:
            return self.answer(400, str(error.message), obj, errors={})
        message = _("Moved “%(name)s” to %(stage)s.") % {
            "name": moved.name,
            "stage": moved.stage.label,
        }
        return self.answer(200, message, moved, columns=self.columns(moved))

    def columns(self, moved: Opportunity) -> dict:
        """The board's counts and totals after the move, under the board's own filters
        (the board posts to this URL with its query string)."""
        visible = Opportunity.objects.visible_to(self.request.user)
        queryset = OpportunityFilter(self.request.GET, queryset=visible, request=self.request).qs
        stats = selectors.board_column_stats(queryset, moved.pipeline)
        empty = {"count": 0, "totals": []}
        return {
            str(stage_id): {
                "count": stats.get(stage_id, empty)["count"],
                "total": format_totals(stats.get(stage_id, empty)["totals"]),
            }
            for stage_id in moved.pipeline.stages.values_list("pk", flat=True)
        }
