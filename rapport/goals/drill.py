"""Where a figure drills down to: the list of the records behind it, filtered to the
subject and the days (the list itself is scoped, so nobody sees rows outside their reach)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from rapport.goals.periods import DayRange

# metric -> (URL name, fixed filters, how the days filter: None, "closed", "since")
_TARGETS = {
    "revenue_won": ("sales:opportunity-list", {"status": "won"}, "closed"),
    "opportunities_won": ("sales:opportunity-list", {"status": "won"}, "closed"),
    "average_deal_size": ("sales:opportunity-list", {"status": "won"}, "closed"),
    "win_rate": ("sales:opportunity-list", {}, "closed"),
    "opportunities_lost": ("sales:opportunity-list", {"status": "lost"}, "closed"),
    "opportunities_created": ("sales:opportunity-list", {}, None),
    "weighted_pipeline": ("sales:opportunity-list", {"status": "open"}, None),
    "follow_ups": ("customers:followup-list", {}, "since"),
    "visits": ("customers:followup-list", {"kind": "visit"}, "since"),
    "active_customers": ("customers:customer-list", {"status": "active"}, None),
    "new_customers": ("customers:customer-list", {}, None),
    "churned_customers": ("customers:customer-list", {"status": "lost"}, None),
    "churn_rate": ("customers:customer-list", {"status": "lost"}, None),
    "retention_rate": ("customers:customer-list", {"status": "active"}, None),
    "overdue_follow_ups": ("customers:customer-list", {"due": "overdue"}, None),
    "cadence_compliance": ("customers:customer-list", {"due": "on_time"}, None),
    "pool_claims": ("customers:customer-list", {}, None),
    "pool_reclaims": ("customers:customer-list", {"in_pool": "true"}, None),
}


def drill_url(metric_key: str, subject, days: DayRange | None = None) -> str:
    """The list behind a figure of `subject` ("user"/"team"/"company"), or "" if none."""
    target = _TARGETS.get(metric_key)
    if target is None:
        return ""
    name, params, dated = target
    params = dict(params)
    if subject.kind == "user":
        params["author" if name == "customers:followup-list" else "owner"] = subject.id
    elif subject.kind == "team" and name != "customers:followup-list":
        params["team"] = subject.id
    if days is not None and dated == "closed":
        params.update(closed_from=days.first.isoformat(), closed_to=days.last.isoformat())
    elif days is not None and dated == "since":
        params.update(since=days.first.isoformat(), until=days.last.isoformat())
    return f"{reverse(name)}?{urlencode(params)}"
