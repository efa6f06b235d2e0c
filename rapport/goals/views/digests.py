"""Digest pages: my digests, one digest as it was mailed, "send me this week's digest now",
and my digest settings (on or off, day and hour).

The mailed HTML is shown in a sandboxed frame served with its own narrow policy: mail
needs inline styles, which the app's Content-Security-Policy rightly forbids on pages.
The HTML was produced by our templates, which escape every value.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from rapport.goals.digest_schedule import entitled, entitlements, subscription
from rapport.goals.models import Digest, DigestKind, DigestStatus, DigestSubscription
from rapport.goals.services_digest import digest_send, digest_subscription_set

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
# The frame's policy: inline styles for the mail, nothing else (no script, no form).
FRAME_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
}


def _options(user) -> list[dict]:
    """The digests `user` receives by their roles, with the label of their "send now"."""
    from rapport.org.models import Team

    mine = entitlements([user.pk])
    teams = Team.objects.in_bulk({e.team_id for e in mine if e.team_id})
    options = []
    for item in mine:
        if item.kind == DigestKind.WEEKLY_TEAM:
            name = teams[item.team_id].name
            label = _("Send me this week's digest of %(team)s now") % {"team": name}
        else:
            label = _("Send me this month's company digest now")
        options.append({"kind": item.kind, "team": item.team_id or "", "label": label})
    return options


@login_required
def digest_list(request):
    from rapport.org.scope import scope_for

    is_admin = scope_for(request.user).is_admin
    everyone = is_admin and request.GET.get("everyone") == "1"
    digests = Digest.objects.visible_to(request.user).select_related("recipient", "team")
    if not everyone:
        digests = digests.filter(recipient=request.user)
    return render(
        request,
        "goals/digest_list.html",
        {
            "digests": list(digests.defer("html", "text")[:200]),
            "options": _options(request.user),
            "everyone": everyone,
            "is_admin": is_admin,
        },
    )


def _visible(request, pk: int):
    return get_object_or_404(
        Digest.objects.visible_to(request.user).select_related("recipient", "team"), pk=pk
    )


@login_required
def digest_detail(request, pk: int):
    digest = _visible(request, pk)
    return render(
        request,
        "goals/digest_detail.html",
        {
            "digest": digest,
            "can_resend": digest.recipient_id == request.user.pk
            and entitled(request.user, digest.kind, digest.team_id),
        },
    )


@login_required
@xframe_options_sameorigin
@csp_replace(FRAME_POLICY)
def digest_html(request, pk: int):
    """The mailed HTML itself, for the detail page's frame. Links open in the whole
    window (the app's pages refuse to be framed)."""
    digest = _visible(request, pk)
    html = digest.html.replace("<head>", '<head>\n<base target="_top">', 1)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def digest_send_now(request):
    """Send me this period's digest now (again, if it went already)."""
    from rapport.org.models import Team

    kind = request.POST.get("kind", "")
    team_text = request.POST.get("team", "")
    team = None
    if team_text:
        if not team_text.isdigit():
            raise Http404
        team = Team.objects.filter(pk=int(team_text), archived_at__isnull=True).first()
        if team is None:
            raise Http404
    if not entitled(request.user, kind, team.pk if team else None):
        raise Http404
    digest = digest_send(user=request.user, kind=kind, team=team, force=True)
    if digest.status == DigestStatus.SENT:
        messages.success(request, _("Your digest was sent to %(email)s.") % {"email": digest.email})
    elif digest.status == DigestStatus.SKIPPED:
        messages.warning(
            request, _("You have no email address, so the digest was not mailed: here it is.")
        )
    else:
        messages.error(
            request,
            _("The digest could not be mailed (%(error)s): here it is.") % {"error": digest.error},
        )
    return redirect(digest)


class SubscriptionForm(forms.ModelForm):
    hour = forms.TypedChoiceField(label=gettext_lazy("time of day"), choices=HOURS, coerce=int)

    class Meta:
        model = DigestSubscription
        fields = ["enabled", "weekday", "day_of_month", "hour"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.title = DigestKind(kind).label
        del self.fields["day_of_month" if kind == DigestKind.WEEKLY_TEAM else "weekday"]


@login_required
def digest_settings(request):
    """My own digest settings, for the digests my roles give me."""
    kinds = sorted({option["kind"] for option in _options(request.user)}, reverse=True)
    data = request.POST if request.method == "POST" else None
    subs = {kind: subscription(request.user, kind) for kind in kinds}
    forms_ = [SubscriptionForm(data, instance=subs[k], kind=k, prefix=k) for k in kinds]
    if data is not None and all(form.is_valid() for form in forms_):
        try:
            with transaction.atomic():  # both kinds or neither
                for form in forms_:
                    digest_subscription_set(
                        actor=request.user,
                        kind=form.kind,
                        data={name: form.cleaned_data[name] for name in form.fields},
                    )
        except ValidationError as error:
            forms_[0].add_error(None, error.messages)
        else:
            messages.success(request, _("Digest settings saved."))
            return redirect("goals:digest-settings")
    return render(request, "goals/digest_settings.html", {"forms": forms_})
