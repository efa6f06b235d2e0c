"""API for users, teams, memberships, the current user and tokens."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, AuthenticationFailed, PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from rapport.core.api.errors import PreconditionFailed
from rapport.core.api.viewsets import (
    ArchiveActionMixin,
    ScopedModelViewSet,
    etag_matches,
    version_of,
)
from rapport.core.services import stale_changes, write_in_scope
from rapport.org import services
from rapport.org.accounts import axes_username
from rapport.org.api import serializers as s
from rapport.org.filters import JobDescriptionFilter, MembershipFilter, TeamFilter, UserFilter
from rapport.org.models import JobDescription, Membership, Team
from rapport.org.scope import scope_for
from rapport.org.totp import has_totp, second_factor_failed, verify_second_factor

User = get_user_model()


class UserViewSet(ScopedModelViewSet):
    """People. Admins create and change them; everyone else reads within scope."""

    model = User
    serializer_class = s.UserSerializer
    filterset_class = UserFilter
    prefetch_related = ("memberships__team",)
    ordering_fields = ["username", "full_name", "date_joined", "last_login"]
    ordering = ["username"]

    def get_serializer_class(self):
        return s.UserCreateSerializer if self.action == "create" else super().get_serializer_class()

    def create_object(self, *, actor, data):
        password = data.pop("password", None)
        return services.user_create(actor=actor, data=data, password=password)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.user_update(
            actor=actor, user=obj, data=data, expected_version=expected_version
        )

    @extend_schema(request=s.DeactivateSerializer, responses=s.UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate: the user's sessions and API tokens end at once."""
        user = self.get_editable_object()
        body = s.DeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.user_deactivate(
            actor=request.user, user=user, reason=body.validated_data.get("reason", "")
        )
        return Response(self._read(user))

    @extend_schema(request=None, responses=s.UserSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        user = self.get_editable_object()
        services.user_activate(actor=request.user, user=user)
        return Response(self._read(user))


class TeamViewSet(ArchiveActionMixin, ScopedModelViewSet):
    """The team tree. Admins create, move and archive teams."""

    model = Team
    serializer_class = s.TeamSerializer
    filterset_class = TeamFilter
    select_related = ("parent",)
    ordering_fields = ["path", "name", "created_at"]
    ordering = ["path"]

    def create_object(self, *, actor, data):
        return services.team_create(actor=actor, data=data)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.team_update(
            actor=actor, team=obj, data=data, expected_version=expected_version
        )

    def archive_object(self, *, actor, obj, expected_version):
        return services.team_archive(actor=actor, team=obj, expected_version=expected_version)


class MembershipViewSet(ScopedModelViewSet):
    """Who is in which team with which role. Admins change memberships."""

    model = Membership
    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilter
    select_related = ("user", "team")
    ordering_fields = ["created_at", "role"]
    ordering = ["team__path", "user__username"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_object(self, *, actor, data):
        return services.membership_create(actor=actor, data=data)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.membership_update(
            actor=actor, membership=obj, data=data, expected_version=expected_version
        )

    def destroy(self, request, pk=None):
        """End a membership. The audit log keeps the record of it."""
        membership = self.get_editable_object()
        services.membership_end(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user, with their roles. PATCH changes their own preferences."""

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        me = User.objects.get(pk=request.user.pk)
        return Response(s.MeSerializer(me).data, headers={"ETag": me.etag})

    @extend_schema(request=s.MeSerializer, responses=s.MeSerializer)
    def patch(self, request):
        me = User.objects.get(pk=request.user.pk)
        if_match = request.headers.get("If-Match")
        if if_match and not etag_matches(if_match, me.etag):
            raise PreconditionFailed(changes=stale_changes(me, version_of(if_match)))
        body = s.MeSerializer(me, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        allowed = {"full_name", "english_name", "phone", "language", "time_zone"}
        data = {k: v for k, v in body.validated_data.items() if k in allowed}
        expected = me.version
        user = write_in_scope(
            request.user,
            lambda: services.user_update(
                actor=request.user, user=me, data=data, expected_version=expected
            ),
        )
        return Response(s.MeSerializer(user).data, headers={"ETag": user.etag})


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = _lazy("Too many failed sign-in attempts. Try again later.")


class ObtainTokenView(APIView):
    """Exchange username (or email), password and, when enrolled, a TOTP code for a token.

    Failures count toward the same lockout as the sign-in page (django-axes), a wrong
    second-factor code included; a locked name answers 429 whether or not it exists."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenThrottle]

    def get_authenticate_header(self, request):
        # Without an authentication class DRF would turn 401 into 403.
        return 'Token realm="api"'

    @extend_schema(request=s.TokenRequestSerializer, responses={201: s.TokenResponseSerializer})
    def post(self, request):
        body = s.TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = authenticate(request, username=data["username"], password=data["password"])
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("Unable to sign in with these credentials."))
        if scope_for(user).requires_two_factor and not has_totp(user):
            raise PermissionDenied(
                _("Your role requires two-factor authentication. Set it up in your profile first."),
                code="two_factor_required",
            )
        if not verify_second_factor(user, data.get("code", "")):
            second_factor_failed(request, user)
            if getattr(request, "axes_locked_out", False):
                raise LockedOut()
            raise AuthenticationFailed(
                _("A valid two-factor code is required."), code="two_factor_required"
            )
        _token, key = services.token_create(actor=user, user=user, name=data.get("name") or "API")
        AxesProxyHandler.reset_attempts(
            ip_address=getattr(request, "axes_ip_address", None),
            username=axes_username(request, {"username": user.get_username()}),
        )
        return Response({"token": key}, status=status.HTTP_201_CREATED)


class JobDescriptionViewSet(ArchiveActionMixin, ScopedModelViewSet):
    """Job descriptions (岗位职责). A team's lead and admins write them; the team reads them."""

    model = JobDescription
    serializer_class = s.JobDescriptionSerializer
    filterset_class = JobDescriptionFilter
    select_related = ("team",)
    ordering_fields = ["title", "created_at"]
    ordering = ["team__path", "title"]
