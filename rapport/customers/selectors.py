"""Reads of the customer book that pages and the API share; each starts from the user's
scope (`visible_to` / `editable_by`, DESIGN §5)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from rapport.customers.models import (
    Contact,
    Customer,
    FollowUp,
    FollowUpNote,
    OwnershipEvent,
)
from rapport.org.models import Role, Team, User
from rapport.org.scope import scope_for

# Fields of a customer that the timeline does not show as "changes": derived or internal.
HIDDEN_CHANGES = frozenset(
    {
        "search_text", "name_key", "version", "updated_at", "contact_due_on", "reclaim_on",
        "reclaim_rule", "last_follow_up_at", "next_follow_up_due", "last_progress_at",
        "owned_since", "pool_entered_at", "created_at",
    }
)  # fmt: skip


def owner_choices(user) -> QuerySet:
    """People the user may pick in a filter (owner, author): everyone they can see."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    return User.objects.visible_to(user).filter(is_active=True).order_by("full_name", "username")


def team_choices(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.visible_to(user).filter(archived_at__isnull=True).order_by("path")


def assignable_owners(user) -> QuerySet:
    """Who `user` may make the owner of a customer: admins anyone active with a team; a
    lead the writing members of the teams they lead; everyone else only themselves."""
    from rapport.org.models import Membership

    scope = scope_for(user)
    if user is None or not user.is_authenticated or not scope.can_write:
        return User.objects.none()
    writers = Membership.objects.exclude(role=Role.VIEWER)
    if not scope.is_admin:
        writers = writers.filter(team_id__in=scope.led_team_ids)
    ids = writers.values("user_id")
    return User.objects.filter(Q(pk__in=ids, is_active=True) | Q(pk=user.pk)).order_by(
        "full_name", "username"
    )


def writable_customers(user) -> QuerySet:
    """Live customers the user may log follow-ups and add contacts on."""
    return Customer.objects.editable_by(user).filter(archived_at__isnull=True)


def customer_list_queryset(user) -> QuerySet:
    """The customer list's base: scope, and the joins every row shows."""
    return (
        Customer.objects.visible_to(user)
        .select_related("owner", "team", "pool")
        .prefetch_related("tags")
    )


def contacts_for_customer(user, customer) -> list[Contact]:
    return list(Contact.objects.for_customer(user, customer).filter(archived_at__isnull=True)[:100])


def follow_ups_queryset(user, customer=None) -> QuerySet:
    """Follow-ups with what their rows show: customer, author, contacts, notes, files
    (of one customer when given)."""
    base = FollowUp.objects
    return (
        (base.for_customer(user, customer) if customer else base.visible_to(user))
        .select_related("customer", "author")
        .prefetch_related(
            "contacts",
            "attachments",
            Prefetch("notes", queryset=FollowUpNote.objects.select_related("author")),
        )
    )


TIMELINE_SIZE = 30
# Items at the same time are ordered by kind (in this order), then by id, newest first:
# the order is total, so a page may end between two items of the same microsecond.
TIMELINE_KINDS = ("follow_up", "stage", "ownership", "change")
_KIND_RANK = {kind: len(TIMELINE_KINDS) - index for index, kind in enumerate(TIMELINE_KINDS)}
_RANK_KIND = {rank: kind for kind, rank in _KIND_RANK.items()}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TOKEN = re.compile(r"(-?\d{1,18})\.([a-z_]{1,20})\.(\d{1,18})")


@dataclass(frozen=True, order=True)
class TimelineCursor:
    """A position in a customer's timeline, which runs newest first by (time, kind rank,
    id); a page holds the items strictly past it. In a link it is the `token`
    `<microseconds since 1970>.<kind>.<id>`."""

    at: dt.datetime
    rank: int
    pk: int

    @property
    def token(self) -> str:
        micros = (self.at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{_RANK_KIND[self.rank]}.{self.pk}"

    @classmethod
    def parse(cls, token: str) -> TimelineCursor | None:
        """The cursor of a token, or None when it is not one."""
        match = _TOKEN.fullmatch(token or "")
        if not match or match[2] not in _KIND_RANK:
            return None
        try:
            at = _EPOCH + dt.timedelta(microseconds=int(match[1]))
        except OverflowError:
            return None
        return cls(at, _KIND_RANK[match[2]], int(match[3]))


@dataclass
class TimelineItem:
    kind: str  # one of TIMELINE_KINDS
    at: dt.datetime
    obj: Any
    changes: list[dict] | None = None

    @property
    def position(self) -> TimelineCursor:
        return TimelineCursor(self.at, _KIND_RANK[self.kind], self.obj.pk)


def _changes_of(event) -> list[dict]:
    rows = []
    for name, pair in (event.changes or {}).items():
        if name in HIDDEN_CHANGES or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        try:
            label = str(Customer._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - a field removed since, or a pseudo-field
            label = name.replace("_", " ")
        rows.append({"label": label, "before": pair[0], "after": pair[1]})
    return rows


def _timeline_sources(user, customer) -> list[tuple[str, str, QuerySet]]:
    """(kind, time field, scoped queryset) of each source of the timeline."""
    from rapport.audit.models import Action, AuditEvent
    from rapport.sales.selectors import stage_changes_queryset

    moves = OwnershipEvent.objects.for_customer(user, customer).select_related(
        "actor", "from_owner", "to_owner", "pool"
    )
    changes = (
        AuditEvent.objects.history_for(customer, user)
        .filter(action__in=[Action.UPDATE, Action.ARCHIVE, Action.RESTORE])
        .select_related("actor")
    )
    return [
        ("follow_up", "occurred_at", follow_ups_queryset(user, customer)),
        ("stage", "changed_at", stage_changes_queryset(user, customer)),
        ("ownership", "occurred_at", moves),
        ("change", "occurred_at", changes),
    ]


def _past(cursor: TimelineCursor | None, kind: str, field: str) -> Q:
    """The rows of one source (ordered by `field`, then id) that come after `cursor`."""
    if cursor is None:
        return Q()
    rank = _KIND_RANK[kind]
    if rank < cursor.rank:  # this kind follows the cursor's kind at the same time
        return Q(**{f"{field}__lte": cursor.at})
    if rank > cursor.rank:
        return Q(**{f"{field}__lt": cursor.at})
    return Q(**{f"{field}__lt": cursor.at}) | Q(**{field: cursor.at, "pk__lt": cursor.pk})


def _timeline_page(user, customer, cursor, size):
    items: list[TimelineItem] = []
    # Where a full batch stopped, that source has unread rows; the newest such stop is
    # the horizon, and only items at or before it (in timeline order) are complete.
    horizon: TimelineCursor | None = None
    for kind, field, queryset in _timeline_sources(user, customer):
        batch = queryset.filter(_past(cursor, kind, field)).order_by(f"-{field}", "-id")
        rows = list(batch[: size + 1])
        for row in rows:
            changes = _changes_of(row) if kind == "change" else None
            if kind != "change" or changes:  # events that changed only derived fields
                items.append(TimelineItem(kind, getattr(row, field), row, changes))
        if len(rows) > size:
            last = TimelineCursor(getattr(rows[-1], field), _KIND_RANK[kind], rows[-1].pk)
            horizon = last if horizon is None else max(horizon, last)
    items.sort(key=lambda item: item.position, reverse=True)
    if horizon is not None:
        items = [item for item in items if item.position >= horizon]
    if len(items) > size:
        return items[:size], items[size - 1].position
    return items, horizon


def customer_timeline(
    user, customer, *, cursor: TimelineCursor | None = None, size: int = TIMELINE_SIZE
) -> tuple[list[TimelineItem], TimelineCursor | None]:
    """Follow-ups, opportunity stage moves, ownership moves and field changes of one
    customer, newest first: at most `size` items past `cursor`, and the cursor of the next
    page (None at the end). Each source reads `size + 1` rows past the cursor (a keyset
    on time and id), so a page costs a fixed number of queries, whatever the history."""
    while True:
        page, cursor = _timeline_page(user, customer, cursor, size)
        # Empty only when a whole batch of audit events changed derived fields alone.
        if page or cursor is None:
            return page, cursor
