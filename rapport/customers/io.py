"""Import rows of the customer book: customers, contacts and follow-ups (issue #3 §8).

The import engine (`rapport.imports.engine`) drives these handlers. They validate with the
same rules as the services (USCC checksum, phone spellings, choices, the follow-up rules)
using the services' pure helpers, but write in bulk: creating 100,000 customers one
service call at a time would take a query or five per row.

Duplicates are looked up in the whole book (the USCC is unique across it), but only what
the importing user may see is described: a match outside their scope is reported as
"exists and belongs to someone else", with no name or owner (DESIGN §5).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.bulk import Inserter
from rapport.customers.models import (
    Contact,
    Currency,
    Customer,
    CustomerStatus,
    FollowUp,
    FollowUpKind,
    OwnershipEvent,
    OwnershipMove,
    Source,
    Tier,
)
from rapport.customers.models.contact import BuyingRole
from rapport.customers.normalize import clean_uscc, company_key, fold
from rapport.customers.services import contacts as contact_services
from rapport.customers.services import customers as customer_services
from rapport.customers.services import followups as followup_services
from rapport.customers.services import schedule
from rapport.imports import base
from rapport.imports.base import (
    Column,
    Context,
    Row,
    RowError,
    RowHandler,
    bulk_audit,
    insert_all,
)

OWNER = Column(
    "owner",
    gettext_lazy("Owner"),
    (
        "负责人",
        "客户经理",
        "所属人",
        "归属人",
        "销售",
        "跟进人",
        "Account manager",
        "AM",
        "Owner name",
    ),
)
CUSTOMER = Column(
    "customer",
    gettext_lazy("Customer"),
    ("客户名称", "客户", "公司名称", "公司", "企业名称", "所属客户", "Company", "Customer name"),
)
CUSTOMER_USCC = Column(
    "customer_uscc",
    gettext_lazy("Customer's USCC"),
    ("统一社会信用代码", "信用代码", "社会信用代码", "USCC", "Credit code", "客户信用代码"),
)


def _limit(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def labels_of(handler: RowHandler) -> dict[str, str]:
    """Column labels in the current language, computed once per handler and language
    (translating them per row costs more than the row's own checks)."""
    from django.utils.translation import get_language

    cache = handler.__dict__.setdefault("_labels", {})
    language = get_language()
    if language not in cache:
        cache[language] = {column.name: str(column.label) for column in handler.columns}
    return cache[language]


class Cleaner:
    """Collects every problem of a row, each naming its column, instead of stopping at the
    first one."""

    def __init__(self, handler: RowHandler, values: dict[str, str]):
        self.values = values
        self.labels = labels_of(handler)
        self.data: dict[str, Any] = {}
        self.errors: list[str] = []

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def put(self, name: str, parse, *, target: str | None = None) -> None:
        if name not in self.values:
            return
        try:
            self.data[target or name] = parse(self.values[name])
        except ValidationError as error:
            self.errors.extend(base.messages_of(error, self.labels))

    def text(self, name: str, model, *, required: bool = False) -> None:
        limit = _limit(model, name)
        self.put(name, lambda value: base.text(value, max_length=limit, label=self.label(name)))
        if required and not self.data.get(name):
            self.errors.append(_("%(label)s is required.") % {"label": self.label(name)})

    def choice(self, name: str, choices, default: str = "") -> None:
        self.put(
            name, lambda value: base.choice(value, choices, label=self.label(name), default=default)
        )
        if name in self.data and not self.data[name]:
            del self.data[name]  # empty: the model's default

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise RowError(self.errors)
        return self.data


# --- owners and customers the importer may use -------------------------------------------------


def prepare_owners(ctx: Context) -> None:
    """Who the importer may name as owner: themselves; a lead the writing members of the
    teams they lead; an admin anyone active (selectors.assignable_owners)."""
    from rapport.customers.selectors import assignable_owners

    users = list(assignable_owners(ctx.actor))
    by_name: dict[str, Any] = {}
    full_names: dict[str, list] = {}
    for user in users:
        by_name[fold(user.username)] = user
        if user.full_name:
            full_names.setdefault(fold(user.full_name), []).append(user)
    for name, people in full_names.items():
        by_name.setdefault(name, people[0] if len(people) == 1 else None)
    ctx.cache["owners"] = by_name
    ctx.cache["teams"] = {}


def owner_of(value: str, ctx: Context):
    """The user a cell names (username or full name), or ValidationError."""
    if not (value or "").strip():
        return ctx.owner
    user = ctx.cache["owners"].get(fold(value))
    if user is None:
        raise ValidationError(
            _(
                "“%(value)s” is not someone you may import records for (or several people "
                "have that name: use the username)."
            )
            % {"value": value[:60]}
        )
    return user


def team_of(user, ctx: Context) -> int:
    teams = ctx.cache["teams"]
    if user.pk not in teams:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        team = scope.primary_team_id or next(iter(sorted(scope.member_team_ids)), None)
        teams[user.pk] = team
    team = teams[user.pk]
    if team is None:
        raise RowError(
            [_("%(owner)s belongs to no team, so the record would have no book.") % {"owner": user}]
        )
    return team


def customer_cells(cleaner: Cleaner) -> None:
    """The customer a child row belongs to: by USCC, else by name."""
    cleaner.put("customer_uscc", clean_uscc)
    cleaner.put("customer", lambda v: base.text(v, max_length=200, label=cleaner.label("customer")))
    if not cleaner.data.get("customer") and not cleaner.data.get("customer_uscc"):
        cleaner.errors.append(_("%(label)s is required.") % {"label": cleaner.label("customer")})
    cleaner.data["customer_key"] = company_key(cleaner.data.get("customer", ""))


def resolve_customers(rows: list[Row], ctx: Context) -> None:
    """Point each child row at one customer the importer may edit (one query per chunk).
    A customer out of their reach reads exactly like a missing one."""
    usccs = {row.data["customer_uscc"] for row in rows if row.data.get("customer_uscc")}
    keys = {row.data["customer_key"] for row in rows if row.data.get("customer_key")}
    found = Customer.objects.editable_by(ctx.actor).filter(
        Q(uscc__in=usccs) | Q(name_key__in=keys), archived_at__isnull=True
    )
    by_uscc: dict[str, int] = {}
    by_key: dict[str, list[int]] = {}
    for pk, uscc, key in found.values_list("pk", "uscc", "name_key"):
        if uscc:
            by_uscc[uscc] = pk
        by_key.setdefault(key, []).append(pk)
    for row in rows:
        uscc, key = row.data.get("customer_uscc"), row.data.get("customer_key")
        if uscc:
            pk = by_uscc.get(uscc)
        else:
            matches = by_key.get(key, [])
            if len(matches) > 1:
                row.errors.append(
                    _("Several of your customers are called “%(name)s”; add their USCC.")
                    % {"name": row.data.get("customer")}
                )
                continue
            pk = matches[0] if matches else None
        if pk is None:
            row.errors.append(
                _("No customer “%(name)s” among the customers you may edit.")
                % {"name": uscc or row.data.get("customer")}
            )
        row.data["customer_id"] = pk


def prepare_schedule(ctx: Context) -> None:
    ctx.cache["rules"] = schedule.tier_rules()
    ctx.cache["pools"] = list(schedule.Pool.objects.filter(archived_at__isnull=True))
    ctx.cache["team_pools"] = {}


def apply_schedule(customer: Customer, ctx: Context) -> None:
    """schedule.refresh_schedule, with the team's pool looked up once per team instead of
    once per row (refresh_schedule asks the database for the team's path every call)."""
    pools = ctx.cache["team_pools"]
    if customer.owner_id and customer.team_id not in pools:
        pools[customer.team_id] = schedule.pool_for_team(customer.team_id, ctx.cache["pools"])
    customer.contact_due_on = schedule.contact_due_on(customer, ctx.cache["rules"])
    pool = pools.get(customer.team_id) if customer.owner_id else None
    customer.reclaim_on, rule = schedule.reclaim_due(customer, pool)
    customer.reclaim_rule = rule[:200]


def apply_match(row: Row, ctx: Context, *, match, unique: bool = False) -> None:
    """What to do with a row that matches an existing record `match` =
    (pk, label, visible, editable), by the chosen duplicate handling."""
    pk, label, visible, editable = match
    if visible:
        message = _("Already exists: “%(name)s” (#%(id)s).") % {"name": label, "id": pk}
    else:
        message = _("Already exists and belongs to someone else.")
    if ctx.duplicates == "skip":
        row.action, row.note = "skip", message
    elif ctx.duplicates == "update":
        if visible and editable:
            row.action, row.existing_id = "update", pk
        else:
            row.errors.append(message + " " + _("You may not change it."))
    elif unique:
        row.errors.append(message + " " + _("This value must be unique."))


def late_errors(row: Row, error: ValidationError, handler: RowHandler) -> None:
    row.errors.extend(base.messages_of(error, labels_of(handler)))
    row.action = "error"


def update_each(rows: list[Row], ctx: Context, handler: RowHandler, model, write) -> None:
    """Updates go through the entity's service one row at a time (they are rare and carry
    the version check and the audit diff); a refused row is reported, not fatal."""
    from django.db import transaction

    objects = model.objects.editable_by(ctx.actor).in_bulk([row.existing_id for row in rows])
    for row in rows:
        obj = objects.get(row.existing_id)
        changes = {
            key: value
            for key, value in row.data.items()
            if key in row.values and value not in ("", None)
        }
        try:
            with transaction.atomic():
                write(obj, changes)
        except ValidationError as error:
            late_errors(row, error, handler)


# --- customers ------------------------------------------------------------------------------


class CustomerRows(RowHandler):
    entity = "customers"
    model = Customer
    unique_keys = ("uscc",)
    columns = (
        Column(
            "name",
            gettext_lazy("Name"),
            (
                "客户名称",
                "公司名称",
                "名称",
                "企业名称",
                "公司",
                "客户",
                "Customer name",
                "Company",
                "Company name",
                "Customer",
            ),
            required=True,
        ),
        Column("short_name", gettext_lazy("Short name"), ("简称", "客户简称", "公司简称")),
        Column(
            "uscc",
            gettext_lazy("Unified social credit code"),
            ("统一社会信用代码", "USCC", "信用代码", "社会信用代码", "Credit code"),
        ),
        Column("industry", gettext_lazy("Industry"), ("行业", "所属行业")),
        Column(
            "region",
            gettext_lazy("Province / region"),
            ("省份", "地区", "省", "省份/地区", "Province", "Region"),
        ),
        Column("city", gettext_lazy("City"), ("城市", "市")),
        Column("address", gettext_lazy("Address"), ("地址", "详细地址", "公司地址")),
        Column("source", gettext_lazy("Source"), ("来源", "客户来源")),
        Column("status", gettext_lazy("Status"), ("状态", "客户状态")),
        Column("tier", gettext_lazy("Tier"), ("等级", "客户等级", "分级", "客户分级", "Level")),
        Column(
            "strategic", gettext_lazy("Strategic account"), ("战略客户", "重点客户", "Strategic")
        ),
        Column(
            "annual_value",
            gettext_lazy("Annual value"),
            ("年度价值", "年价值", "年采购额", "年度金额"),
        ),
        Column("currency", gettext_lazy("Currency"), ("币种", "货币")),
        Column("notes", gettext_lazy("Notes"), ("备注", "说明", "Remarks")),
        OWNER,
    )

    def prepare(self, ctx: Context) -> None:
        prepare_owners(ctx)
        prepare_schedule(ctx)

    def clean(self, values: dict[str, str], ctx: Context) -> dict[str, Any]:
        cells = Cleaner(self, values)
        cells.text("name", Customer, required=True)
        for name in ("short_name", "industry", "region", "city", "address", "notes"):
            cells.text(name, Customer)
        cells.put("uscc", clean_uscc)
        cells.choice("source", Source.choices)
        cells.choice("status", CustomerStatus.choices)
        cells.choice("tier", Tier.choices)
        cells.choice("currency", Currency.choices)
        cells.put("strategic", lambda v: base.boolean(v, label=cells.label("strategic")))
        cells.put("annual_value", lambda v: base.amount(v, label=cells.label("annual_value")))
        cells.put("owner", lambda v: owner_of(v, ctx))
        data = cells.done()
        data["name"] = " ".join(data["name"].split())  # as Customer.clean does
        data["name_key"] = company_key(data["name"])
        if data.get("annual_value") is None:
            data.pop("annual_value", None)
        return data

    def keys(self, data: dict[str, Any]) -> list[tuple]:
        keys = [("uscc", data["uscc"])] if data.get("uscc") else []
        return [*keys, ("name", data["name_key"])] if data.get("name_key") else keys

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        usccs = {row.data["uscc"] for row in rows if row.data.get("uscc")}
        keys = {row.data["name_key"] for row in rows if row.data.get("name_key")}
        visible = Customer.objects.visible_to(ctx.actor).filter(pk=OuterRef("pk"))
        editable = Customer.objects.editable_by(ctx.actor).filter(pk=OuterRef("pk"))
        found = (
            Customer.objects.filter(Q(uscc__in=usccs) | Q(name_key__in=keys))
            .annotate(seen=Exists(visible), may_edit=Exists(editable))
            .order_by("pk")
            .values_list("pk", "uscc", "name_key", "name", "seen", "may_edit")
        )
        by_uscc, by_key = {}, {}
        for pk, uscc, key, name, seen, may_edit in found:
            match = (pk, name, seen, may_edit)
            if uscc:
                by_uscc[uscc] = match
            by_key.setdefault(key, match)
        for row in rows:
            strong = by_uscc.get(row.data.get("uscc") or "\0")
            match = strong or by_key.get(row.data["name_key"])
            if match:
                apply_match(row, ctx, match=match, unique=strong is not None)

    def build(self, row: Row, ctx: Context) -> Customer:
        data = dict(row.data)
        owner = data.pop("owner", None) or ctx.owner
        data.setdefault("source", Source.IMPORT)
        if data.get("tier"):
            data["tier_locked"] = True
            data["tier_reason"] = _("Set by the import")
        customer = Customer(**data, owner=owner, team_id=team_of(owner, ctx))
        customer.owned_since = customer.created_at = ctx.now
        rules = ctx.cache["rules"]
        customer.tier = customer_services.tier_for(customer, rules)
        customer.search_text = customer_services.customer_search_text(customer)
        apply_schedule(customer, ctx)
        return customer

    def create(self, rows: list[Row], ctx: Context) -> None:
        built = []
        for row in rows:
            try:
                built.append(self.build(row, ctx))
            except RowError as error:
                row.errors.extend(error.messages)
                row.action = "error"
        insert_all(Customer, built)
        bulk_audit(actor=ctx.actor, objects=built, extra={"import": ctx.run_id})
        actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
        reason = _("Import #%(id)s") % {"id": ctx.run_id} if ctx.run_id else ""
        events = Inserter(OwnershipEvent, batch=max(1, len(built)))
        for customer in built:
            events.add(
                {
                    "customer_id": customer.pk,
                    "move": OwnershipMove.IMPORT,
                    "occurred_at": ctx.now,
                    "actor_id": actor.pk if actor else None,
                    "to_owner_id": customer.owner_id,
                    "to_team_id": customer.team_id,
                    "reason": reason,
                }
            )
        events.close()

    def update(self, rows: list[Row], ctx: Context) -> None:
        def write(customer, changes):
            changes.pop("owner", None)  # ownership moves go through assign/transfer
            changes.pop("name_key", None)
            customer_services.customer_update(actor=ctx.actor, customer=customer, data=changes)

        update_each(rows, ctx, self, Customer, write)


# --- contacts -------------------------------------------------------------------------------


class ContactRows(RowHandler):
    entity = "contacts"
    model = Contact
    columns = (
        CUSTOMER,
        CUSTOMER_USCC,
        Column(
            "name",
            gettext_lazy("Name"),
            (
                "姓名",
                "联系人",
                "联系人姓名",
                "名字",
                "名称",
                "Contact",
                "Contact name",
                "Full name",
            ),
            required=True,
        ),
        Column("title", gettext_lazy("Title"), ("职务", "职位", "头衔", "Position", "Job title")),
        Column(
            "buying_role", gettext_lazy("Buying role"), ("角色", "采购角色", "决策角色", "Role")
        ),
        Column(
            "mobile",
            gettext_lazy("Mobile"),
            ("手机", "手机号", "手机号码", "移动电话", "Cell", "Cell phone", "Mobile phone"),
        ),
        Column(
            "phone",
            gettext_lazy("Phone"),
            ("电话", "座机", "固定电话", "办公电话", "Telephone", "Tel"),
        ),
        Column("phone_ext", gettext_lazy("Extension"), ("分机", "分机号", "Ext")),
        Column("email", gettext_lazy("Email"), ("邮箱", "电子邮箱", "电子邮件", "E-mail", "Mail")),
        Column("wechat", gettext_lazy("WeChat ID"), ("微信", "微信号", "WeChat")),
        Column("birthday", gettext_lazy("Birthday"), ("生日", "出生日期")),
        Column(
            "is_primary", gettext_lazy("Primary contact"), ("主要联系人", "首要联系人", "Primary")
        ),
        Column("do_not_contact", gettext_lazy("Do not contact"), ("请勿联系", "勿扰", "DNC")),
        Column("notes", gettext_lazy("Notes"), ("备注", "说明", "Remarks")),
    )

    def clean(self, values: dict[str, str], ctx: Context) -> dict[str, Any]:
        cells = Cleaner(self, values)
        customer_cells(cells)
        cells.text("name", Contact, required=True)
        for name in ("title", "wechat", "notes", "phone_ext"):
            cells.text(name, Contact)
        for name in ("mobile", "phone"):  # any spelling; parsed to E.164 below
            cells.put(name, lambda v: base.text(v, max_length=60))
        cells.choice("buying_role", BuyingRole.choices)
        cells.put("email", lambda v: base.email(v, label=cells.label("email")))
        cells.put("birthday", lambda v: base.date(v, label=cells.label("birthday")))
        for name in ("is_primary", "do_not_contact"):
            cells.put(name, lambda v, name=name: base.boolean(v, label=cells.label(name)))
        try:
            cells.data = contact_services.clean_phones(cells.data)  # the service's own rule
        except ValidationError as error:
            cells.errors.extend(base.messages_of(error, cells.labels))
        return cells.done()

    def keys(self, data: dict[str, Any]) -> list[tuple]:
        customer = data.get("customer_id")
        keys = [("mobile", customer, data["mobile"])] if data.get("mobile") else []
        return [*keys, ("email", customer, data["email"])] if data.get("email") else keys

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        resolve_customers(rows, ctx)
        rows = [row for row in rows if not row.errors]
        ids = {row.data["customer_id"] for row in rows}
        mobiles = {row.data["mobile"] for row in rows if row.data.get("mobile")}
        emails = {row.data["email"] for row in rows if row.data.get("email")}
        found = Contact.objects.filter(customer_id__in=ids).filter(
            Q(mobile__in=mobiles) | Q(email__in=emails)
        )
        existing: dict[tuple, tuple] = {}
        for pk, customer, mobile, mail, name in found.values_list(
            "pk", "customer_id", "mobile", "email", "name"
        ):
            match = (pk, name, True, True)  # their customer is editable: so are they
            if mobile:
                existing.setdefault(("mobile", customer, mobile), match)
            if mail:
                existing.setdefault(("email", customer, mail), match)
        primaries = ctx.cache.setdefault("has_contacts", {})
        live = Contact.objects.filter(
            customer_id__in=ids - set(primaries), archived_at__isnull=True
        )
        for customer, is_primary in live.values_list("customer_id", "is_primary").distinct():
            primaries[customer] = primaries.get(customer, False) or is_primary
        for row in rows:
            match = next((existing[key] for key in self.keys(row.data) if key in existing), None)
            if match:
                apply_match(row, ctx, match=match)

    def create(self, rows: list[Row], ctx: Context) -> None:
        primaries = ctx.cache["has_contacts"]
        built = []
        for row in rows:
            data = {
                k: v
                for k, v in row.data.items()
                if k not in ("customer", "customer_uscc", "customer_key")
            }
            contact = Contact(**data, created_at=ctx.now)
            state = primaries.get(contact.customer_id)  # None: no contact yet
            # One primary contact per customer: the first, or the one marked, if none is.
            contact.is_primary = state is None or (bool(contact.is_primary) and not state)
            primaries[contact.customer_id] = state or contact.is_primary
            contact_services._derive(contact)  # the service's search text
            built.append(contact)
        insert_all(Contact, built)
        bulk_audit(actor=ctx.actor, objects=built, extra={"import": ctx.run_id})

    def update(self, rows: list[Row], ctx: Context) -> None:
        def write(contact, changes):
            for name in ("customer", "customer_uscc", "customer_key", "customer_id", "is_primary"):
                changes.pop(name, None)
            contact_services.contact_update(actor=ctx.actor, contact=contact, data=changes)

        update_each(rows, ctx, self, Contact, write)


# --- follow-ups -----------------------------------------------------------------------------


class FollowUpRows(RowHandler):
    entity = "follow-ups"
    model = FollowUp
    columns = (
        CUSTOMER,
        CUSTOMER_USCC,
        Column("kind", gettext_lazy("Type"), ("类型", "跟进方式", "方式", "跟进类型", "Kind")),
        Column(
            "occurred_at",
            gettext_lazy("When"),
            ("时间", "跟进时间", "日期", "跟进日期", "Date", "Time"),
            required=True,
        ),
        Column(
            "summary",
            gettext_lazy("Summary"),
            ("内容", "摘要", "跟进内容", "记录", "Content"),
            required=True,
        ),
        Column("outcome", gettext_lazy("Outcome"), ("结果", "跟进结果", "Result")),
        Column("next_step", gettext_lazy("Next step"), ("下一步", "下一步计划")),
        Column(
            "next_date",
            gettext_lazy("Next follow-up date"),
            ("下次跟进", "下次跟进日期", "下次联系", "Next date", "Next follow-up"),
        ),
        Column("owner", gettext_lazy("By"), ("跟进人", "负责人", "记录人", "Author", "Owner")),
    )

    def prepare(self, ctx: Context) -> None:
        prepare_owners(ctx)
        prepare_schedule(ctx)

    def clean(self, values: dict[str, str], ctx: Context) -> dict[str, Any]:
        cells = Cleaner(self, values)
        customer_cells(cells)
        cells.choice("kind", FollowUpKind.choices)
        cells.put("occurred_at", lambda v: base.moment(v, label=cells.label("occurred_at")))
        if not values.get("occurred_at", "").strip():
            cells.errors.append(_("%(label)s is required.") % {"label": cells.label("occurred_at")})
        cells.text("summary", FollowUp, required=True)
        cells.text("outcome", FollowUp)
        cells.text("next_step", FollowUp)
        cells.put("next_date", lambda v: base.date(v, label=cells.label("next_date")))
        cells.put("owner", lambda v: owner_of(v, ctx), target="author")
        data = cells.done()
        draft = FollowUp(occurred_at=data["occurred_at"], next_date=data.get("next_date"))
        try:
            followup_services._check_follow_up(draft, [])  # the service's own rules
        except ValidationError as error:
            raise RowError(base.messages_of(error, cells.labels)) from None
        return data

    def keys(self, data: dict[str, Any]) -> list[tuple]:
        return [("fu", data.get("customer_id"), data["occurred_at"], fold(data["summary"]))]

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        resolve_customers(rows, ctx)
        rows = [row for row in rows if not row.errors]
        found = FollowUp.objects.filter(
            customer_id__in={row.data["customer_id"] for row in rows},
            occurred_at__in={row.data["occurred_at"] for row in rows},
        ).values_list("pk", "customer_id", "occurred_at", "summary")
        existing = {
            ("fu", c, when, fold(summary)): (pk, summary[:40], True, False)
            for pk, c, when, summary in found
        }
        for row in rows:
            match = existing.get(self.keys(row.data)[0])
            if match:
                apply_match(row, ctx, match=match)

    def create(self, rows: list[Row], ctx: Context) -> None:
        built = []
        for row in rows:
            data = {
                k: v
                for k, v in row.data.items()
                if k not in ("customer", "customer_uscc", "customer_key")
            }
            data.setdefault("author", ctx.owner)
            built.append(FollowUp(**data, created_at=ctx.now))
        insert_all(FollowUp, built)
        bulk_audit(actor=ctx.actor, objects=built, extra={"import": ctx.run_id})
        self._move_customer_dates({follow_up.customer_id for follow_up in built}, ctx)

    def _move_customer_dates(self, ids: set[int], ctx: Context) -> None:
        """What followups._move_customer_dates does for one customer, for a chunk."""
        latest = FollowUp.objects.filter(
            customer=OuterRef("pk"), archived_at__isnull=True
        ).order_by("-occurred_at", "-id")
        customers = Customer.objects.filter(pk__in=ids).annotate(
            latest_at=Subquery(latest.values("occurred_at")[:1]),
            latest_next=Subquery(latest.values("next_date")[:1]),
        )
        changed = []
        for customer in customers:
            customer.last_follow_up_at = customer.latest_at
            customer.next_follow_up_due = customer.latest_next
            apply_schedule(customer, ctx)
            changed.append(customer)
        fields = ["last_follow_up_at", "next_follow_up_due", *schedule.SCHEDULE_FIELDS]
        Customer.objects.bulk_update(changed, fields, batch_size=500)
