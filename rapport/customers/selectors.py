"""Reads of the customer book that pages and the API share; each starts from the user's
scope (`visible_to` / `editable_by`, DESIGN §5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils.functional import cached_property

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


class DeferredJoinPaginator(Paginator):
    """Page-number pagination that stays fast deep into a list: the page's ids are read
    from the sort index alone (an index-only scan past the offset), then only those rows
    are fetched with their joins. Same queries, whatever the page number."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    @cached_property
    def count(self) -> int:
        # The ordering does not change the count; dropping it lets the database skip a sort.
        return self.object_list.order_by().count()


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


@dataclass
class TimelineItem:
    kind: str  # follow_up, ownership, stage, change
    at: dt.datetime
    obj: Any
    changes: list[dict] | None = None


TIMELINE_SIZE = 30


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


def customer_timeline(
    user, customer, *, before: dt.datetime | None = None, size: int = TIMELINE_SIZE
) -> tuple[list[TimelineItem], dt.datetime | None]:
    """Follow-ups, ownership moves, opportunity stage moves and field changes of one
    customer, newest first: at most `size` items older than `before`, and the cursor of
    the next page (None at the end). A fixed number of queries, whatever the history."""
    from rapport.audit.models import Action, AuditEvent
    from rapport.sales.selectors import stage_changes_for_customer

    def older(queryset, field):
        return queryset.filter(**{f"{field}__lt": before}) if before else queryset

    items: list[TimelineItem] = []
    follow_ups = older(follow_ups_queryset(user, customer), "occurred_at")
    items += [TimelineItem("follow_up", f.occurred_at, f) for f in follow_ups[:size]]
    moves = older(
        OwnershipEvent.objects.for_customer(user, customer).select_related(
            "actor", "from_owner", "to_owner", "pool"
        ),
        "occurred_at",
    )
    items += [TimelineItem("ownership", m.occurred_at, m) for m in moves[:size]]
    stages = stage_changes_for_customer(user, customer, limit=size * 3)
    items += [
        TimelineItem("stage", s.changed_at, s)
        for s in stages
        if before is None or s.changed_at < before
    ][:size]
    events = older(
        AuditEvent.objects.history_for(customer, user)
        .filter(action__in=[Action.UPDATE, Action.ARCHIVE, Action.RESTORE])
        .select_related("actor"),
        "occurred_at",
    )
    for event in events[:size]:
        changes = _changes_of(event)
        if changes:
            items.append(TimelineItem("change", event.occurred_at, event, changes))
    items.sort(key=lambda item: item.at, reverse=True)
    page = items[:size]
    cursor = page[-1].at if len(items) > size else None
    return page, cursor
