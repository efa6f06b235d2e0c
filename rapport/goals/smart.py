"""The SMART check a goal passes before it is published or proposed.

Specific (a title and a description), Measurable (key results with a metric or a numeric
target), Achievable (a warning, with the history, when a target is far above the owner's
best past period), Relevant (linked to a parent goal, or top-level by a lead or admin),
Time-bound (a period that has not ended). Only achievability is advice; the rest block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.goals import catalog
from rapport.goals.periods import local_today

CRITERIA = {
    "specific": gettext_lazy("Specific"),
    "measurable": gettext_lazy("Measurable"),
    "achievable": gettext_lazy("Achievable"),
    "relevant": gettext_lazy("Relevant"),
    "time_bound": gettext_lazy("Time-bound"),
}
HISTORY_PERIODS = 4  # past periods of the same kind looked at for achievability


@dataclass
class Finding:
    criterion: str
    ok: bool
    message: str
    blocking: bool = True
    history: list[tuple[str, Decimal | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(CRITERIA[self.criterion])


def _specific(goal) -> Finding:
    ok = len(goal.title.strip()) >= 2 and bool(goal.description.strip())
    message = (
        "" if ok else _("Give the goal a clear title and say in the description what it means.")
    )
    return Finding("specific", ok, message)


def _measurable(key_results) -> Finding:
    if not key_results:
        return Finding("measurable", False, _("Add at least one key result."))
    vague = [kr.title for kr in key_results if not kr.metric and not kr.target]
    if vague:
        return Finding(
            "measurable",
            False,
            _("Give these key results a metric or a numeric target: %(titles)s")
            % {"titles": "、".join(vague)},
        )
    return Finding("measurable", True, "")


def _relevant(goal, actor_can_manage: bool) -> Finding:
    if goal.parent_id:
        return Finding("relevant", True, "")
    if goal.top_level and actor_can_manage:
        return Finding("relevant", True, "")
    return Finding(
        "relevant",
        False,
        _(
            "Link the goal to the goal it contributes to; only leads and admins set "
            "top-level goals."
        ),
    )


def _time_bound(goal) -> Finding:
    if goal.period_end < local_today():
        return Finding(
            "time_bound", False, _("The goal's period is over; choose a current or future one.")
        )
    return Finding("time_bound", True, "")


def _achievable(viewer, goal, key_results, factor: int) -> Finding:
    """Warn when a metric target exceeds the best of the owner's last periods by more
    than the company's factor, and show those periods."""
    from rapport.goals.selectors import Subject, can_view, figures

    period = goal.period
    subject = Subject(*goal.subject)
    if not can_view(viewer, subject):
        # Someone who may see the goal but not its owner's figures (an AM on a draft
        # company goal) gets no history rather than a 404.
        return Finding("achievable", True, "", blocking=False)
    for kr in key_results:
        metric = catalog.get(kr.metric) if kr.metric else None
        if metric is None or not metric.summable or not metric.higher_is_better:
            continue
        history = []
        for back in range(1, HISTORY_PERIODS + 1):
            past = period.shifted(-back)
            value = figures(viewer, subject, past, [metric.key])[metric.key].value
            history.append((past.code, value))
        known = [value for _code, value in history if value is not None]
        best = max(known) if known else None
        if best and kr.target > best * factor / 100:
            return Finding(
                "achievable",
                False,
                _(
                    "“%(title)s” asks for %(target)s; the best of the last %(count)s periods "
                    "was %(best)s. Check that it can be reached."
                )
                % {
                    "title": kr.title,
                    "target": f"{kr.target:,.0f}",
                    "count": HISTORY_PERIODS,
                    "best": f"{best:,.0f}",
                },
                blocking=False,
                history=history,
            )
    return Finding("achievable", True, "", blocking=False)


def smart_check(viewer, goal, *, actor_can_manage: bool) -> list[Finding]:
    from rapport.goals.models import GoalSettings

    key_results = list(goal.key_results.all()) if goal.pk else []
    factor = GoalSettings.current().achievable_factor
    return [
        _specific(goal),
        _measurable(key_results),
        _achievable(viewer, goal, key_results, factor),
        _relevant(goal, actor_can_manage),
        _time_bound(goal),
    ]


def blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.blocking and not finding.ok]
