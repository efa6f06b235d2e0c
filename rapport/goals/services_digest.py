"""Sending digests, and each person's digest subscription.

`digest_send` builds a digest for its recipient (read as them), mails it over SMTP with a
plain-text part and an HTML alternative, and records a `Digest` row whatever happens: sent,
failed (with the error; the content is kept and readable in the app) or not sent (no
email address). It is idempotent per recipient, kind, team and period: a digest already
sent for the period is returned instead of mailed again, unless `force`.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import diff, record, snapshot
from rapport.goals.digest import build_and_render
from rapport.goals.digest_schedule import DONE, Due, entitled, local_day, period_for
from rapport.goals.models import Digest, DigestKind, DigestStatus, DigestSubscription

log = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = ("enabled", "weekday", "day_of_month", "hour")


def _message(user, subject: str, text: str, html: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        # Out-of-office replies and auto-forwarders leave automatic mail alone (RFC 3834).
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_send(
    *, user, kind: str, team=None, day: dt.date | None = None, force: bool = False
) -> Digest:
    """Build and mail `user`'s digest of `kind` (of `team` for the weekly one) for the
    period reviewed on `day` (default: their local today). Returns the new Digest, or
    the one already sent for the period (its `reused` attribute is then True)."""
    team_id = team.pk if team is not None else None
    if kind not in DigestKind.values or not entitled(user, kind, team_id):
        raise PermissionDenied(_("This digest is not one you receive."))
    day = day or local_day(user)
    period = period_for(kind, day)
    if not force:
        done = (
            Digest.objects.filter(
                recipient=user, kind=kind, team_id=team_id, period_start=period.first
            )
            .filter(status__in=DONE)
            .order_by("-created_at", "-pk")
            .first()
        )
        if done is not None:
            done.reused = True
            return done
    language, subject, html, text = build_and_render(user, kind, team=team, day=day)
    status, error, sent_at = DigestStatus.SENT, "", None
    if not user.email:
        status, error = DigestStatus.SKIPPED, _("The recipient has no email address.")
    else:
        try:
            _message(user, subject, text, html).send(fail_silently=False)
            sent_at = timezone.now()
        except (smtplib.SMTPException, OSError) as failure:
            status, error = DigestStatus.FAILED, f"{type(failure).__name__}: {failure}"[:2000]
    digest = Digest.objects.create(
        recipient=user,
        email=user.email,
        kind=kind,
        team=team,
        period_start=period.first,
        period_end=period.last,
        language=language,
        subject=subject[:255],
        html=html,
        text=text,
        status=status,
        error=error,
        forced=force,
        sent_at=sent_at,
    )
    digest.reused = False
    log_at = logging.WARNING if status == DigestStatus.FAILED else logging.INFO
    log.log(
        log_at,
        "digest %s (%s, team %s, %s) to user %s: %s %s",
        digest.pk, kind, team_id, period.first, user.pk, status, error,
    )  # fmt: skip
    return digest


@dataclass(frozen=True)
class Outcome:
    due: Due
    digest: Digest | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.digest is not None and self.digest.status != DigestStatus.FAILED


def digests_send_due(dues: list[Due], *, force: bool = False, progress=None) -> list[Outcome]:
    """Send each due digest; one that fails (SMTP, or an error building it) is reported
    and the others still go."""
    from rapport.org.models import Team, User

    users = User.objects.in_bulk({d.user_id for d in dues})
    teams = Team.objects.in_bulk({d.team_id for d in dues if d.team_id})
    outcomes = []
    for index, item in enumerate(dues, start=1):
        try:
            digest = digest_send(
                user=users[item.user_id],
                kind=item.kind,
                team=teams.get(item.team_id) if item.team_id else None,
                day=item.day,
                force=force,
            )
            outcomes.append(Outcome(item, digest, digest.error))
        except Exception as failure:  # noqa: BLE001 - one digest must not stop the others
            log.exception("digest for user %s (%s) could not be built", item.user_id, item.kind)
            outcomes.append(Outcome(item, None, f"{type(failure).__name__}: {failure}"[:2000]))
        if progress is not None:
            progress(index, outcomes[-1])
    return outcomes


@transaction.atomic
def digest_subscription_set(*, actor, kind: str, data: dict[str, Any]) -> DigestSubscription:
    """Change the actor's own subscription to one kind of digest (audited)."""
    if kind not in DigestKind.values:
        raise ValidationError({"kind": _("Choose a kind of digest.")})
    unknown = set(data) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    sub = DigestSubscription.objects.filter(user=actor, kind=kind).first()
    created = sub is None
    if created:
        sub = DigestSubscription(user=actor, kind=kind)
    before = snapshot(sub, list(SUBSCRIPTION_FIELDS))
    for name, value in data.items():
        setattr(sub, name, value)
    sub.full_clean()
    if not created:
        sub.version += 1
    sub.save()
    changes = diff(before, snapshot(sub, list(SUBSCRIPTION_FIELDS)))
    record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=sub,
        changes=changes,
    )
    return sub
