"""Test support: personas, API/page helpers, and the scope contract mixin.

Personas (DESIGN §8): an admin, two leads of sibling teams, account managers in each team,
a quality manager, a viewer, and an outsider with no team, built once per test class.

    company (锐拓)
    ├── sales ─┬── team_a: lead_a, am_a1, am_a2, viewer
    │          └── team_b: lead_b, am_b1
    └── quality: qm
    admin: admin of company; outsider: no team
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from rapport.org import services
from rapport.org.models import Role

PASSWORD = "correct-horse-battery-9"
PERSONAS = ["admin", "lead_a", "lead_b", "am_a1", "am_a2", "am_b1", "qm", "viewer", "outsider"]


def build_personas() -> SimpleNamespace:
    p = SimpleNamespace()

    def person(username: str, name: str, superuser: bool = False):
        user = services.user_create(
            actor=None,
            data={
                "username": username,
                "email": f"{username}@example.com",
                "full_name": name,
                "is_superuser": superuser,
            },
            password=PASSWORD,
        )
        setattr(p, username, user)
        return user

    def team(key: str, name: str, parent=None):
        obj = services.team_create(actor=None, data={"name": name, "parent": parent})
        setattr(p, key, obj)
        return obj

    def join(user, team_obj, role):
        services.membership_create(actor=None, data={"user": user, "team": team_obj, "role": role})

    company = team("company", "锐拓科技")
    sales = team("sales", "销售部", company)
    team("team_a", "华东组", sales)
    team("team_b", "华北组", sales)
    team("quality", "质量组", company)
    for username, name in [
        ("admin", "管理员"),
        ("lead_a", "王芳"),
        ("lead_b", "李强"),
        ("am_a1", "刘洋"),
        ("am_a2", "张敏"),
        ("am_b1", "徐浩"),
        ("qm", "陈静"),
        ("viewer", "何平"),
        ("outsider", "路人"),
    ]:
        person(username, name)
    join(p.admin, company, Role.ADMIN)
    join(p.lead_a, p.team_a, Role.TEAM_LEAD)
    join(p.lead_b, p.team_b, Role.TEAM_LEAD)
    join(p.am_a1, p.team_a, Role.ACCOUNT_MANAGER)
    join(p.am_a2, p.team_a, Role.ACCOUNT_MANAGER)
    join(p.am_b1, p.team_b, Role.ACCOUNT_MANAGER)
    join(p.qm, p.quality, Role.QUALITY_MANAGER)
    join(p.viewer, p.team_a, Role.VIEWER)
    # Admins and leads must use two-factor; enrol them so the policy lets them in.
    for user in (p.admin, p.lead_a, p.lead_b):
        TOTP.activate(user, generate_totp_secret())
    return p


class PersonaTestCase(TestCase):
    """A TestCase with the personas in `self.p`, built once per class."""

    p: ClassVar[SimpleNamespace]

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p = build_personas()

    def api(self, persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.force_authenticate(getattr(self.p, persona))
        return client

    def assertQueriesConstant(self, request, grow, *, at_most: int) -> int:
        """`request()` runs the same number of queries before and after `grow()` adds rows,
        and no more than `at_most`. Returns the count."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        request()  # warm caches (content types, sessions)
        with CaptureQueriesContext(connection) as before:
            request()
        grow()
        with CaptureQueriesContext(connection) as after:
            request()
        sql = "\n".join(q["sql"][:160] for q in after.captured_queries)
        self.assertEqual(len(after), len(before), sql)
        self.assertLessEqual(len(before), at_most, sql)
        return len(before)

    def web(self, persona: str | None):
        from django.test import Client

        client = Client()
        if persona is not None:
            client.force_login(getattr(self.p, persona))
        return client


class ScopeContract:
    """Scope tests by declaration. A test class mixes this into a PersonaTestCase and sets:

    - `model`: the model under test;
    - `api_basename`: e.g. "api:team" (list at <basename>-list, detail at <basename>-detail);
    - `page_detail`: optional URL name of the page detail view (takes pk);
    - `objects()`: returns {name: instance} built from self.p (or created in setUpTestData);
    - `visible`: {persona: set of object names, or "*" for all};
    - `editable`: {persona: set of names or "*"}; personas not listed edit nothing.

    Every persona in PERSONAS must appear in `visible` so nobody is forgotten.
    """

    model = None
    api_basename: str = ""
    page_detail: str | None = None
    visible: ClassVar[dict] = {}
    editable: ClassVar[dict] = {}
    patch_body: ClassVar[dict] = {}

    def objects(self) -> dict:  # pragma: no cover - each test class declares it
        raise NotImplementedError

    def _expected(self, table: dict, persona: str) -> set[str]:
        rule = table.get(persona, set())
        return set(self.objects()) if rule == "*" else set(rule)

    def test_contract_names_every_persona(self):
        self.assertEqual(sorted(self.visible), sorted(PERSONAS))

    def test_visible_to_matches_declaration(self):
        objects = self.objects()
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                user = getattr(self.p, persona)
                ids = set(self.model.objects.visible_to(user).values_list("pk", flat=True))
                seen = {name for name, obj in objects.items() if obj.pk in ids}
                self.assertEqual(seen, self._expected(self.visible, persona))

    def test_api_detail_is_404_out_of_scope(self):
        for persona in PERSONAS:
            client = self.api(persona)
            expected = self._expected(self.visible, persona)
            for name, obj in self.objects().items():
                with self.subTest(persona=persona, object=name):
                    url = reverse(f"{self.api_basename}-detail", args=[obj.pk])
                    response = client.get(url)
                    self.assertEqual(response.status_code, 200 if name in expected else 404)

    def test_api_list_shows_only_visible(self):
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                response = self.api(persona).get(
                    reverse(f"{self.api_basename}-list"), {"page_size": 200}
                )
                self.assertEqual(response.status_code, 200)
                ids = {row["id"] for row in response.json()["results"]}
                seen = {name for name, obj in self.objects().items() if obj.pk in ids}
                self.assertEqual(seen, self._expected(self.visible, persona))

    def test_api_write_obeys_editable(self):
        if not self.patch_body:
            self.skipTest("no patch_body declared: this model has no API write")
        for persona in PERSONAS:
            client = self.api(persona)
            visible = self._expected(self.visible, persona)
            editable = self._expected(self.editable, persona)
            for name, obj in self.objects().items():
                with self.subTest(persona=persona, object=name):
                    url = reverse(f"{self.api_basename}-detail", args=[obj.pk])
                    response = client.patch(url, self.patch_body, format="json")
                    if name in editable:
                        self.assertEqual(response.status_code, 200, response.content)
                    elif name in visible:
                        self.assertEqual(response.status_code, 403, response.content)
                    else:
                        self.assertEqual(response.status_code, 404, response.content)

    def test_page_detail_is_404_out_of_scope(self):
        if not self.page_detail:
            self.skipTest("no page_detail declared: this model has no detail page")
        for persona in PERSONAS:
            client = self.web(persona)
            expected = self._expected(self.visible, persona)
            for name, obj in self.objects().items():
                with self.subTest(persona=persona, object=name):
                    response = client.get(reverse(self.page_detail, args=[obj.pk]))
                    self.assertEqual(response.status_code, 200 if name in expected else 404)
