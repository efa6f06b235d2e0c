"""Pages for people and teams: admins manage, everyone reads within scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import views as base
from rapport.core.errors import StaleObjectError
from rapport.org import forms, services
from rapport.org.filters import TeamFilter, UserFilter
from rapport.org.models import Membership, Team

User = get_user_model()


class UserListView(base.ScopedListView):
    model = User
    filterset_class = UserFilter
    prefetch_related = ("memberships__team",)
    template_name = "org/user_list.html"
    ordering = ["username"]


class UserDetailView(base.ScopedDetailView):
    model = User
    prefetch_related = ("memberships__team",)
    template_name = "org/user_detail.html"
    context_object_name = "person"


class UserCreateView(base.ScopedCreateView):
    model = User
    form_class = forms.UserCreateForm
    template_name = "org/form.html"

    def create_object(self, *, actor, data):
        return services.user_create(
            actor=actor, data=data, password=self.request.POST.get("password") or None
        )

    def get_success_url(self):
        return self.object.get_absolute_url()


class UserUpdateView(base.ScopedUpdateView):
    model = User
    form_class = forms.UserForm
    template_name = "org/form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return services.user_update(
            actor=actor, user=obj, data=data, expected_version=expected_version
        )


class TeamListView(base.ScopedListView):
    model = Team
    filterset_class = TeamFilter
    select_related = ("parent",)
    template_name = "org/team_list.html"
    paginate_by = 200


class TeamDetailView(base.ScopedDetailView):
    model = Team
    select_related = ("parent",)
    template_name = "org/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = (
            Membership.objects.visible_to(self.request.user)
            .filter(team=self.object)
            .select_related("user")
            .order_by("role", "user__username")
        )
        context["children"] = Team.objects.visible_to(self.request.user).filter(parent=self.object)
        context["membership_form"] = forms.MembershipForm(user=self.request.user)
        return context


class TeamCreateView(base.ScopedCreateView):
    model = Team
    form_class = forms.TeamForm
    template_name = "org/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def create_object(self, *, actor, data):
        return services.team_create(actor=actor, data=data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class TeamUpdateView(base.ScopedUpdateView):
    model = Team
    form_class = forms.TeamForm
    template_name = "org/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def update_object(self, *, actor, obj, data, expected_version):
        return services.team_update(
            actor=actor, team=obj, data=data, expected_version=expected_version
        )


class MembershipUpdateView(base.ScopedUpdateView):
    model = Membership
    form_class = forms.MembershipRoleForm
    select_related = ("user", "team")
    template_name = "org/form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return services.membership_update(
            actor=actor, membership=obj, data=data, expected_version=expected_version
        )

    def get_success_url(self):
        return self.object.team.get_absolute_url()


class TeamArchiveView(base.ScopedActionView):
    model = Team
    success_message = _("Team archived.")

    def act(self, *, actor, obj, data):
        services.team_archive(actor=actor, team=obj)


class MembershipEndView(base.ScopedActionView):
    model = Membership
    success_message = _("Membership ended.")

    def get_success_url(self, obj):
        return obj.team.get_absolute_url()

    def act(self, *, actor, obj, data):
        services.membership_end(actor=actor, membership=obj)


class UserDeactivateView(base.ScopedActionView):
    model = User
    success_message = _("User deactivated; their sessions and API tokens have ended.")

    def act(self, *, actor, obj, data):
        services.user_deactivate(actor=actor, user=obj, reason=data.get("reason", "")[:500])


class UserActivateView(base.ScopedActionView):
    model = User
    success_message = _("User activated.")

    def act(self, *, actor, obj, data):
        services.user_activate(actor=actor, user=obj)


@login_required
@require_POST
def membership_add(request, pk):
    team = get_object_or_404(Team.objects.visible_to(request.user), pk=pk)
    if not Team.objects.editable_by(request.user).filter(pk=team.pk).exists():
        raise PermissionDenied
    form = forms.MembershipForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(team.get_absolute_url())
    data = {**form.changed_data_dict(), "team": team}
    try:
        services.membership_create(actor=request.user, data=data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Member added."))
    return redirect(team.get_absolute_url())


# --- the signed-in user's own profile -----------------------------------------------------------
@login_required
def profile(request):
    me = User.objects.get(pk=request.user.pk)
    form = forms.ProfileForm(request.POST or None, instance=me)
    if request.method == "POST" and form.is_valid():
        fresh = User.objects.get(pk=me.pk)
        try:
            services.user_update(
                actor=request.user,
                user=fresh,
                data=form.changed_data_dict(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleObjectError:
            form.add_error(None, _("Your profile changed in another window. Reload and try again."))
        else:
            messages.success(request, _("Profile saved."))
            return redirect("org:profile")
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "org/profile.html",
        {
            "form": form,
            "tokens": tokens,
            "token_form": forms.TokenForm(),
            "new_token": request.session.pop("rapport_new_token", None),
        },
    )


@login_required
@require_POST
def token_create(request):
    form = forms.TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name of at most 100 characters."))
        return redirect(reverse("org:profile") + "#tokens")
    _token, key = services.token_create(
        actor=request.user, user=request.user, name=form.cleaned_data["name"]
    )
    # Shown once, on the next page only.
    request.session["rapport_new_token"] = key
    return redirect(reverse("org:profile") + "#tokens")


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(request.user.api_tokens.visible_to(request.user), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect(reverse("org:profile") + "#tokens")


@require_POST
def set_language(request):
    """Switch language; for a signed-in user it becomes their profile setting."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated and request.user.language != language:
        services.user_update(
            actor=request.user,
            user=User.objects.get(pk=request.user.pk),
            data={"language": language},
        )
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        max_age=365 * 24 * 3600,
        secure=request.is_secure(),
    )
    return response
