from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from rapport.core.views import VersionedModelForm
from rapport.org.models import JobDescription, Membership, Team
from rapport.org.selectors import job_description_teams

User = get_user_model()


class UserForm(VersionedModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "full_name",
            "english_name",
            "phone",
            "language",
            "time_zone",
        ]


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to let an admin set it later."),
    )

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            validate_password(password)
        return password


class ProfileForm(VersionedModelForm):
    class Meta:
        model = User
        fields = ["full_name", "english_name", "phone", "language", "time_zone"]


class TeamForm(VersionedModelForm):
    class Meta:
        model = Team
        fields = ["name", "english_name", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Team.objects.visible_to(user).filter(archived_at__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents


class MembershipForm(VersionedModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role", "is_primary"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.visible_to(user).filter(is_active=True)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_('What the token is for, e.g. "reporting script".'),
    )


class JobDescriptionForm(VersionedModelForm):
    class Meta:
        model = JobDescription
        fields = ["team", "title", "summary", "responsibilities", "requirements"]
        widgets = {
            "responsibilities": forms.Textarea(attrs={"rows": 6}),
            "requirements": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = job_description_teams(user)


class MembershipRoleForm(VersionedModelForm):
    """Change someone's role in a team, or make it their primary team."""

    class Meta:
        model = Membership
        fields = ["role", "is_primary"]
