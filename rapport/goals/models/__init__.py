from rapport.goals.models.digest import (
    Digest,
    DigestKind,
    DigestStatus,
    DigestSubscription,
    Weekday,
)
from rapport.goals.models.goal import CheckIn, Goal, GoalStatus, KeyResult, OwnerKind
from rapport.goals.models.kpi import ExchangeRate, GoalSettings, MetricValue

__all__ = [
    "CheckIn",
    "Digest",
    "DigestKind",
    "DigestStatus",
    "DigestSubscription",
    "ExchangeRate",
    "Goal",
    "GoalSettings",
    "GoalStatus",
    "KeyResult",
    "MetricValue",
    "OwnerKind",
    "Weekday",
]
