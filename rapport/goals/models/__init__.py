from rapport.goals.models.goal import CheckIn, Goal, GoalStatus, KeyResult, OwnerKind
from rapport.goals.models.kpi import ExchangeRate, GoalSettings, MetricValue

__all__ = [
    "CheckIn",
    "ExchangeRate",
    "Goal",
    "GoalSettings",
    "GoalStatus",
    "KeyResult",
    "MetricValue",
    "OwnerKind",
]
