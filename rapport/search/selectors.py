"""The search box (issue #3 §9): customers, contacts and opportunities by name, short
name, phone in any spelling, email, USCC, and pinyin (full and initials).

Every record keeps a `search_text` (folded text and pinyin forms, `normalize.search_text`);
a query is folded the same way and matched as a substring, through the database's index
(see `db.py`). Each type starts from `visible_to(user)` and costs two or three queries
(`found`), so a search is a fixed handful of queries however many rows match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rapport.customers.normalize import display_phone, fold, phone_key

MAX_QUERY = 100  # characters kept of what was typed
PER_TYPE = 10
# How many matches the index hands over before scope is applied (see `found`).
CANDIDATES = 1000
# A term must be this long to be found anywhere in the text (trigram index); a shorter
# one ("北京", "张") matches the start of the text, i.e. of the name, through a b-tree or
# trigram prefix scan. A substring scan of 100,000 rows would take hundreds of ms.
TRIGRAM = 3
_PHONE_LIKE = re.compile(r"^[\d\s+()\-–.]+$")


@dataclass(frozen=True)
class Query:
    """What was typed, and the forms of it that are matched."""

    raw: str
    terms: tuple[str, ...]  # folded, spaces removed; the first is the text itself

    @property
    def text(self) -> str:
        return self.terms[0] if self.terms else ""


def parse_query(raw: str | None) -> Query:
    raw = (raw or "")[:MAX_QUERY].strip()
    text = fold(raw).replace(" ", "")
    if not text:
        return Query(raw=raw, terms=())
    terms = [text]
    if _PHONE_LIKE.match(raw):
        # Phones are stored as E.164: a whole number in any spelling becomes that; a part
        # ("8000", "138-0013") matches its digits, a leading 00 being the "+".
        digits = re.sub(r"\D", "", raw)
        full = phone_key(raw)
        if full:
            terms.append(full)
        elif digits.startswith("00"):
            terms.append(digits[2:])
        elif len(digits) >= 3:
            terms.append(digits)
    return Query(raw=raw, terms=tuple(dict.fromkeys(term for term in terms if term)))


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matching(queryset: QuerySet, query: Query) -> QuerySet:
    """Rows whose search text contains any of the query's terms, via the index. A term
    too short for trigrams matches the start of the text (the name) or, at two
    characters, the start of any later word (a short name "北科", initials "bj")."""
    anywhere = [term for term in query.terms if len(term) >= TRIGRAM]
    anywhere += [f" {term}" for term in query.terms if len(term) == TRIGRAM - 1]
    condition = Q()
    if anywhere and connection.vendor == "sqlite":
        from rapport.search.db import fts_table

        fts = fts_table(queryset.model._meta.db_table)
        match = " OR ".join(_fts_phrase(term) for term in anywhere)
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608 - fixed names
        condition |= Q(pk__in=RawSQL(sql, [match]))
    else:
        for term in anywhere:
            condition |= Q(search_text__contains=term)
    for term in query.terms:
        if len(term) < TRIGRAM:
            condition |= Q(search_text__startswith=term)
    return queryset.filter(condition)


def _ranked(queryset: QuerySet, query: Query, *order: str) -> QuerySet:
    """Names that start with the text first, then alphabetical."""
    return queryset.annotate(
        _starts=Case(
            When(search_text__startswith=query.text, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("_starts", *order)


def found(scoped: QuerySet, query: Query, limit: int) -> list:
    """Up to `limit` rows of `scoped` (a `visible_to` queryset) matching the query, best
    first.

    First the search index alone names up to CANDIDATES matching ids, then scope and
    ranking apply to those. Two small queries, because in one query SQLite's planner
    may walk the user's whole scope (tens of thousands of rows) instead of the index.
    When a common term fills the candidates and a narrow scope keeps too few of them,
    the one-query form looks through everything the user may see."""
    ids = list(
        matching(scoped.model._base_manager.all(), query).values_list("pk", flat=True)[:CANDIDATES]
    )
    if not ids:
        return []
    rows = list(_ranked(scoped.filter(pk__in=ids), query, "name", "id")[:limit])
    if len(ids) == CANDIDATES and len(rows) < limit:
        rows = list(_ranked(matching(scoped, query), query, "name", "id")[:limit])
    return rows


@dataclass
class Hit:
    """One search result, ready for a template or the API."""

    kind: str
    id: int
    title: str
    subtitle: str
    url: str
    highlight: list[tuple[int, int]] = field(default_factory=list)

    @property
    def title_html(self) -> SafeString:
        return mark_highlight(self.title, self.highlight)


@dataclass
class Results:
    query: Query
    customers: list[Hit] = field(default_factory=list)
    contacts: list[Hit] = field(default_factory=list)
    opportunities: list[Hit] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, list[Hit]]]:
        return [
            ("customers", self.customers),
            ("contacts", self.contacts),
            ("opportunities", self.opportunities),
        ]

    @property
    def count(self) -> int:
        return len(self.customers) + len(self.contacts) + len(self.opportunities)


def find_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Where a term of the query occurs in `text`, as (start, end) offsets of `text`,
    comparing folded characters and ignoring spaces (so "8000" marks "138 0013 8000"),
    else by pinyin ("bjkj" or "beijingke" marks 北京科技)."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            continue
        for piece in fold(char):
            folded.append(piece)
            origin.append(index)
    haystack = "".join(folded)
    for term in query.terms:
        needle = term[3:] if term.startswith("+86") else term.lstrip("+")
        start = haystack.find(needle) if needle else -1
        if start >= 0:
            return [(origin[start], origin[start + len(needle) - 1] + 1)]
    return _pinyin_span(text, query.text)


def _pinyin_span(text: str, term: str) -> list[tuple[int, int]]:
    """The run of Chinese characters whose initials, or whose full pinyin (the last one
    perhaps only begun), spell `term`."""
    from rapport.customers.normalize import pinyin_forms

    chars = [(index, char) for index, char in enumerate(text) if "\u4e00" <= char <= "\u9fff"]
    if not term.isascii() or not term.isalpha() or not chars:
        return []
    forms = [pinyin_forms(char) for _index, char in chars]
    initials = "".join(initial for _full, initial in forms)
    at = initials.find(term)
    if at >= 0:
        return [(chars[at][0], chars[at + len(term) - 1][0] + 1)]
    for first in range(len(chars)):
        spelled, last = "", first
        while last < len(chars) and len(spelled) < len(term):
            spelled += forms[last][0]
            last += 1
        if spelled.startswith(term):
            return [(chars[first][0], chars[last - 1][0] + 1)]
    return []


def mark_highlight(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each span wrapped in <mark>."""
    parts, last = [], 0
    for start, end in sorted(spans):
        parts += [escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>"]
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _customers(user, query: Query, limit: int) -> list[Hit]:
    from rapport.customers.models import Customer

    scoped = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    hits = []
    for customer in found(scoped.select_related("owner"), query, limit):
        title = customer.name
        detail = [customer.short_name, customer.uscc]
        hits.append(
            Hit(
                kind="customer",
                id=customer.pk,
                title=title,
                subtitle=" · ".join(
                    part for part in [*detail, customer.owner and str(customer.owner)] if part
                ),
                url=customer.get_absolute_url(),
                highlight=find_spans(title, query),
            )
        )
    return hits


def _contacts(user, query: Query, limit: int) -> list[Hit]:

    hits = []
    for contact in _contact_rows(user, query, limit):
        phones = [display_phone(contact.mobile), display_phone(contact.phone)]
        # Show the phone or email that matched when the name did not.
        matched = next((p for p in phones if p and find_spans(p, query)), "")
        if not matched and contact.email and find_spans(contact.email, query):
            matched = contact.email
        shown = matched or next((p for p in phones if p), "") or contact.email
        title = f"{contact.name} · {shown}" if shown else contact.name
        hits.append(
            Hit(
                kind="contact",
                id=contact.pk,
                title=title,
                subtitle=contact.customer.name,
                url=_contact_url(contact),
                highlight=find_spans(title, query),
            )
        )
    return hits


def _contact_rows(user, query: Query, limit: int) -> list:
    """Like `found`, with the scope of contacts — visible wherever their customer is
    (ContactQuerySet.visible_to) — applied as Customer.objects.visible_to on the
    candidates' customers: given `customer_id IN (<visible customers>)`, SQLite's planner
    walks the whole visible book (seconds at 100,000 customers) instead of the index."""
    from rapport.customers.models import Contact, Customer

    live = Contact.objects.filter(archived_at__isnull=True)
    candidates = list(matching(live, query).values_list("pk", "customer_id")[:CANDIDATES])
    if not candidates:
        return []
    visible = set(
        Customer.objects.visible_to(user)
        .filter(archived_at__isnull=True, pk__in={customer for _pk, customer in candidates})
        .values_list("pk", flat=True)
    )
    ids = [pk for pk, customer in candidates if customer in visible]
    chosen = live.filter(pk__in=ids).select_related("customer")
    rows = list(_ranked(chosen, query, "name", "id")[:limit])
    if len(candidates) == CANDIDATES and len(rows) < limit:
        scoped = Contact.objects.visible_to(user).filter(
            archived_at__isnull=True, customer__archived_at__isnull=True
        )
        rows = list(_ranked(matching(scoped, query), query, "name", "id")[:limit])
    return rows


def _contact_url(contact) -> str:
    from django.urls import NoReverseMatch

    try:
        return contact.get_absolute_url()
    except NoReverseMatch:  # contact pages not there: the customer page lists contacts
        return contact.customer.get_absolute_url()


def _opportunities(user, query: Query, limit: int) -> list[Hit]:
    from rapport.sales.models import Opportunity

    scoped = Opportunity.objects.visible_to(user).filter(archived_at__isnull=True)
    hits = []
    for opportunity in found(scoped.select_related("customer", "stage"), query, limit):
        hits.append(
            Hit(
                kind="opportunity",
                id=opportunity.pk,
                title=opportunity.name,
                subtitle=f"{opportunity.customer.name} · {opportunity.stage.name}",
                url=opportunity.get_absolute_url(),
                highlight=find_spans(opportunity.name, query),
            )
        )
    return hits


def search(*, user, q: str | None, limit: int = PER_TYPE) -> Results:
    """What `user` may see that matches `q`: up to `limit` per type, best first."""
    query = parse_query(q)
    results = Results(query=query)
    if not query.terms or not getattr(user, "is_authenticated", False):
        return results
    results.customers = _customers(user, query, limit)
    results.contacts = _contacts(user, query, limit)
    results.opportunities = _opportunities(user, query, limit)
    return results
