from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rapport.core.api.serializers import StrictModelSerializer, StrictSerializer
from rapport.org.models import JobDescription, Membership, Role, Team
from rapport.org.selectors import job_description_teams

User = get_user_model()


class MembershipBriefSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "team", "team_name", "role", "is_primary"]


class UserSerializer(StrictModelSerializer):
    memberships = MembershipBriefSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "full_name",
            "english_name",
            "phone",
            "language",
            "time_zone",
            "is_active",
            "last_login",
            "date_joined",
            "version",
            "memberships",
        ]
        read_only_fields = ["is_active", "last_login", "date_joined", "version"]


class UserCreateSerializer(UserSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=128,
        style={"input_type": "password"},
        help_text=_("Leave empty to create a user who cannot sign in with a password yet."),
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]


class TeamSerializer(StrictModelSerializer):
    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "english_name",
            "parent",
            "path",
            "description",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["path", "archived_at", "created_at", "updated_at", "version"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "parent" in fields:
            fields["parent"].queryset = Team.objects.visible_to(request.user)
        return fields


class MembershipSerializer(StrictModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "user", "team", "role", "is_primary", "created_at", "version"]
        read_only_fields = ["created_at", "version"]
        # Uniqueness is checked by the service and the database with a clear message.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["user"].queryset = User.objects.visible_to(request.user)
            fields["team"].queryset = Team.objects.visible_to(request.user)
        return fields


class MeSerializer(UserSerializer):
    role = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    is_admin = serializers.SerializerMethodField()
    two_factor_enabled = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "role", "roles", "is_admin", "two_factor_enabled"]
        read_only_fields = [*UserSerializer.Meta.read_only_fields, "username", "email"]

    def _scope(self, obj):
        from rapport.org.scope import scope_for

        return scope_for(obj)

    def get_role(self, obj) -> str:
        return self._scope(obj).home_role

    def get_roles(self, obj) -> list[str]:
        return sorted(self._scope(obj).roles)

    def get_is_admin(self, obj) -> bool:
        return self._scope(obj).is_admin

    def get_two_factor_enabled(self, obj) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=obj, type=Authenticator.Type.TOTP).exists()


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=254, help_text=_("Username or email address."))
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    code = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text=_("TOTP code or recovery code, when enrolled."),
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class DeactivateSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


ROLE_CHOICES = Role.choices


class JobDescriptionSerializer(StrictModelSerializer):
    class Meta:
        model = JobDescription
        fields = [
            "id",
            "team",
            "title",
            "summary",
            "responsibilities",
            "requirements",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at", "version"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Only teams the user may write job descriptions for are valid choices.
            fields["team"].queryset = job_description_teams(request.user)
        return fields
