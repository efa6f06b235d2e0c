"""The customer book (issue #3, Speed): the customer list page and API (first page, deep
page, filtered, sorted), the 360 page, and search — as the persona of the size (admin on
S/M/L, the lead of team 1 on `anchor`; bench.sizes.PERSONA).

Targets: list p95 ≤ 30 ms server time and ≤ ~10 queries; 360 ≤ 50 ms; search ≤ 50 ms.
A case whose page is not built yet is listed as skipped, not failed.
"""

from __future__ import annotations

import math

from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench.cases.web import page_case, signed_in, token_spec
from bench.registry import Case, DatasetContext, benchmark
from bench.sizes import PERSONA

PAGE = 100
DEEP_PAGE = 500


def persona(ctx: DatasetContext):
    """(label, user, API token) the book benchmarks act as; made once per run."""
    if "persona" not in ctx.data:
        from rapport.org import services

        user = ctx.admin if PERSONA.get(ctx.size_name, "admin") == "admin" else ctx.lead
        label = "admin" if user == ctx.admin else "lead"
        token = ctx.admin_token
        if user != ctx.admin:
            _row, token = services.token_create(actor=ctx.admin, user=user, name="bench")
        ctx.data["persona"] = (label, user, token)
    return ctx.data["persona"]


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def not_built(name: str, what: str) -> Case:
    return Case(name, lambda: None, skip=f"not built yet ({what})")


def api_case(name: str, token: str, path: str) -> Case:
    client = Client(headers={"Authorization": f"Token {token}"})

    def prepare():
        return lambda: client.get(path, secure=True)

    return Case(name, prepare, note=f"GET {path}", http=token_spec(token, path))


def deep_page(user, **filters) -> tuple[int, str]:
    """Page 500 where the persona's list (so filtered) is that long, else its last page."""
    from rapport.customers.models import Customer

    live = Customer.objects.visible_to(user).filter(archived_at__isnull=True, **filters).count()
    last = max(1, math.ceil(live / PAGE))
    return (DEEP_PAGE, "page 500") if last >= DEEP_PAGE else (last, f"last page ({last})")


FILTERED_SORTED = "status=active&sort=-last_follow_up"


# (label, query string): the same shapes for the page and the API. The figure is for
# the first page and page 500, filtered and sorted; the plain shapes show what each part costs.
def list_shapes(user) -> list[tuple[str, str]]:
    page, label = deep_page(user)
    deep, deep_label = deep_page(user, status="active")
    return [
        ("first page", ""),
        (label, f"page={page}"),
        ("status+tier", "status=active&tier=B"),
        ("sort -last follow-up", "sort=-last_follow_up"),
        ("active sorted, first page", FILTERED_SORTED),
        (f"active sorted, {deep_label}", f"{FILTERED_SORTED}&page={deep}"),
    ]


@benchmark(order=30)
def customer_list(ctx: DatasetContext) -> list[Case]:
    label, user, token = persona(ctx)
    shapes = list_shapes(user)
    cases = []
    page = url_or_none("customers:customer-list")
    if page is None:
        cases += [
            not_built(f"customers {shape} ({label})", "customer list page") for shape, _q in shapes
        ]
    else:
        client = signed_in(user)
        for shape, query in shapes:
            path = f"{page}?{query}" if query else page
            cases.append(page_case(f"customers {shape} ({label})", client, path))
    api = url_or_none("api:customer-list")
    if api is None:
        cases += [
            not_built(f"api customers {shape} ({label})", "customer API") for shape, _q in shapes
        ]
    else:
        for shape, query in shapes:
            path = f"{api}?page_size={PAGE}" + (f"&{query}" if query else "")
            cases.append(api_case(f"api customers {shape} ({label})", token, path))
    return cases


def showcase(ctx: DatasetContext, user) -> int:
    """The customer of team 1 with the longest history that the persona may see."""
    from rapport.customers.models import Customer

    team = ctx.data["sales_teams"][0].pk
    ranked = sorted((entry for entry in ctx.data["plan"] if entry[1] == team), key=lambda e: -e[3])
    visible = Customer.objects.visible_to(user)
    for entry in ranked[:50]:
        if visible.filter(pk=entry[0], owner__isnull=False).exists():
            return entry[0]
    return ranked[0][0]


@benchmark(order=40)
def customer_360(ctx: DatasetContext) -> list[Case]:
    label, user, token = persona(ctx)
    customer = showcase(ctx, user)
    path = url_or_none("customers:customer-detail", customer)
    if path is None:
        return [not_built(f"customer 360 ({label})", "customer page")]
    cases = [page_case(f"customer 360 ({label})", signed_in(user), path)]
    api = url_or_none("api:customer-detail", customer)
    if api:
        cases.append(api_case(f"api customer detail ({label})", token, api))
    return cases


def search_terms(ctx: DatasetContext, user) -> list[tuple[str, str]]:
    """A pinyin-initials query, a full-pinyin one and a mobile number in digits, all
    taken from a customer and a contact the persona may see."""
    from rapport.customers.models import Contact, Customer
    from rapport.customers.normalize import pinyin_forms

    customer = Customer.objects.get(pk=showcase(ctx, user))
    city_and_word = customer.name[: len(customer.city) + 2]
    full, initials = pinyin_forms(city_and_word)
    contact = Contact.objects.visible_to(user).filter(customer=customer).first()
    mobile = contact.mobile.removeprefix("+86") if contact else "13800138000"
    return [("pinyin initials", initials), ("full pinyin", full), ("phone digits", mobile)]


@benchmark(order=45)
def search(ctx: DatasetContext) -> list[Case]:
    label, user, token = persona(ctx)
    terms = search_terms(ctx, user)
    cases = []
    page = url_or_none("search:results")
    client = signed_in(user)
    for what, term in terms:
        if page is None:
            cases.append(not_built(f"search {what} ({label})", "search page"))
        else:
            cases.append(page_case(f"search {what} ({label})", client, f"{page}?q={term}"))
    api = url_or_none("api:search")
    for what, term in terms[:1]:
        if api is None:
            cases.append(not_built(f"api search {what} ({label})", "search API"))
        else:
            cases.append(api_case(f"api search {what} ({label})", token, f"{api}?q={term}"))
    page = url_or_none("customers:customer-list")
    if page:
        what, term = terms[0]
        cases.append(page_case(f"customers q={what} ({label})", client, f"{page}?q={term}"))
    return cases


@benchmark(order=42)
def cadence_report(ctx: DatasetContext) -> list[Case]:
    """Cadence compliance over the last 30 days: a walk over the book's follow-ups of the
    period (selectors_cadence), as the lead of team 1 and as the admin (the whole book)."""
    path = url_or_none("customers:cadence-report")
    if path is None:
        return [not_built("cadence report 30 days", "cadence report")]
    cases = []
    for label, user in (("lead", ctx.lead), ("admin", ctx.admin)):
        cases.append(
            page_case(f"cadence report 30 days ({label})", signed_in(user), f"{path}?period=30")
        )
    return cases
