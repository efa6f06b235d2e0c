"""The weekly and monthly digests, mailed to a real SMTP server on 127.0.0.1 and read back:
what arrived, in whose language, within whose scope; idempotence, a failed send, the
schedule, escaping, and the pages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from decimal import Decimal

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

import rapport.goals.tasks  # noqa: F401 - registers the "goals.digests" job kind
from rapport.core.models import Job
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.goals import services
from rapport.goals.digest_schedule import Due, due, entitlements, period_for
from rapport.goals.models import Digest, DigestKind, DigestStatus, DigestSubscription
from rapport.goals.periods import DayRange, local_today
from rapport.goals.services_digest import digest_send, digest_subscription_set
from rapport.goals.snapshots import snapshot_range
from rapport.goals.tests.helpers import SHANGHAI, customer, deal, follow_up, local
from rapport.sales.models import Opportunity

SITE = "https://crm.example.com"
HOSTILE = "<script>alert(1)</script>"
WHY = "本季度跟进量目标，按周复盘。"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collect:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def parts(message) -> dict[str, str]:
    """{content type: decoded text} of a multipart/alternative message."""
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def person_goal(lead, owner, target: int):
    goal = services.goal_create(
        actor=lead,
        data={
            "title": f"{owner.full_name}的跟进目标",
            "description": WHY,
            "owner_kind": "user",
            "owner_user": owner,
            "period_kind": "quarter",
            "period_start": local_today(),
            "top_level": True,
        },
        key_results=[{"title": "跟进次数", "metric": "follow_ups", "target": Decimal(target)}],
    )
    services.goal_publish(actor=lead, goal=goal)
    return goal


def due_on(cust, day: dt.date, tier: str | None = None) -> None:
    changes = {"contact_due_on": day}
    if tier:
        changes["tier"] = tier
    Customer.objects.filter(pk=cust.pk).update(**changes)


class SMTPTestCase(PersonaTestCase):
    """Each test gets its own SMTP server; mail goes there over a real socket."""

    def setUp(self):
        super().setUp()
        self.smtp = Collect()
        port = free_port()
        self.controller = Controller(self.smtp, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.addCleanup(self.controller.stop)
        mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
            SITE_URL=SITE,
        )
        mail.enable()
        self.addCleanup(mail.disable)

    def mail_to(self, user):
        found = [m for rcpt, m in self.smtp.messages if user.email in rcpt]
        self.assertEqual(len(found), 1, [m["Subject"] for _r, m in self.smtp.messages])
        return found[0]


class DigestBook(SMTPTestCase):
    """Two teams with goals behind pace, overdue customers, a tier A customer past its
    cadence and a big deal slipping in each; lead_a reads Chinese, lead_b English."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        p.lead_a.language = "zh-hans"
        p.lead_a.save(update_fields=["language"])
        today = local_today()
        cls.today = today
        week = period_for(DigestKind.WEEKLY_TEAM, today)
        before = period_for(DigestKind.WEEKLY_TEAM, week.first)
        later = today + dt.timedelta(days=30)
        # am_a1: five follow-ups last week, one the week before (a mover).
        cls.key_a = customer(p.am_a1, "华东甲有限公司")
        for offset in range(5):
            follow_up(p.am_a1, cls.key_a, local(f"{week.first + dt.timedelta(days=offset)} 10:00"))
        follow_up(p.am_a1, cls.key_a, local(f"{before.first} 10:00"))
        cls.key_b = customer(p.am_b1, "华北乙有限公司")
        follow_up(p.am_b1, cls.key_b, local(f"{week.first} 11:00"))
        # am_a2: three overdue customers, one of them tier A with a hostile name.
        cls.hostile = customer(p.am_a2, HOSTILE)
        late = [customer(p.am_a2, f"华东丙{index}有限公司") for index in range(2)]
        on_time = customer(p.am_a1, "华东按时有限公司")
        # Big deals slipping: a passed close date in each team; a small one that is not.
        cls.big_a = deal(p.am_a1, cls.key_a, "2000000")
        cls.big_b = deal(p.am_b1, cls.key_b, "3000000")
        Opportunity.objects.filter(name="年度采购").update(
            expected_close=today - dt.timedelta(days=5)
        )
        Opportunity.objects.filter(pk__in=[cls.big_a.pk, cls.big_b.pk]).update(name="大单")
        deal(p.am_a1, cls.key_a, "1000")
        person_goal(p.lead_a, p.am_a1, 1000)
        person_goal(p.lead_b, p.am_b1, 1000)
        snapshot_range(DayRange(before.first, today - dt.timedelta(days=1)))
        # Due dates last: the services above recompute them.
        due_on(cls.key_a, today - dt.timedelta(days=10), tier="A")
        due_on(cls.key_b, today - dt.timedelta(days=4), tier="A")
        due_on(cls.hostile, today - dt.timedelta(days=2), tier="A")
        for cust in late:
            due_on(cust, today - dt.timedelta(days=1))
        due_on(on_time, later)

    def send_weekly(self, lead, team, **extra) -> Digest:
        return digest_send(user=lead, kind=DigestKind.WEEKLY_TEAM, team=team, **extra)


class DigestMailTests(DigestBook):
    def test_the_hourly_task_mails_each_lead_once(self):
        p = self.p
        now = timezone.localtime(timezone.now(), SHANGHAI)
        for lead in (p.lead_a, p.lead_b):
            digest_subscription_set(
                actor=lead,
                kind=DigestKind.WEEKLY_TEAM,
                data={"weekday": now.weekday(), "hour": now.hour},
            )
        digest_subscription_set(
            actor=p.admin, kind=DigestKind.MONTHLY_COMPANY, data={"enabled": False}
        )
        with self.captureOnCommitCallbacks(execute=True):
            rapport.goals.tasks.digests_hourly.call_local()
        job = Job.objects.get(kind="goals.digests")
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
        self.assertEqual(len(self.smtp.messages), 2)
        for lead in (p.lead_a, p.lead_b):
            message = self.mail_to(lead)
            self.assertEqual(message.get_content_type(), "multipart/alternative")
            self.assertEqual(set(parts(message)), {"text/plain", "text/html"})
        self.assertEqual(
            set(Digest.objects.values_list("recipient__username", "status")),
            {("lead_a", DigestStatus.SENT), ("lead_b", DigestStatus.SENT)},
        )
        # Idempotent: the next hourly run finds nothing due and mails nothing.
        with self.captureOnCommitCallbacks(execute=True):
            rapport.goals.tasks.digests_hourly.call_local()
        self.assertEqual(len(self.smtp.messages), 2)
        self.assertEqual(Job.objects.filter(kind="goals.digests").count(), 1)

    def test_content_names_who_is_behind_and_what_is_overdue(self):
        p = self.p
        self.send_weekly(p.lead_b, p.team_b)
        body = parts(self.mail_to(p.lead_b))
        text, html = body["text/plain"], body["text/html"]
        self.assertIn("Behind pace: 徐浩", text)
        self.assertIn("- 徐浩: 1", text)  # overdue follow-ups by AM
        self.assertIn("Tier A customers past their cadence (1)", text)
        link = f"{SITE}{reverse('customers:customer-detail', args=[self.key_b.pk])}"
        self.assertIn(link, text)
        self.assertIn(f'href="{link}"', html)
        deal_link = f"{SITE}{reverse('sales:opportunity-detail', args=[self.big_b.pk])}"
        self.assertIn(deal_link, text)
        self.assertIn("CNY 3,000,000", text)
        self.assertIn("Off track", html)

    def test_a_lead_sees_only_their_team(self):
        p = self.p
        self.send_weekly(p.lead_a, p.team_a)
        body = parts(self.mail_to(p.lead_a))
        text = body["text/plain"]
        for theirs in ("徐浩", "华北乙有限公司", "华北组", str(self.big_b.pk) + "/"):
            with self.subTest(theirs=theirs):
                self.assertNotIn(theirs, text)
                self.assertNotIn(theirs, body["text/html"])
        self.assertIn("刘洋", text)
        self.assertIn("张敏: 3", text)
        self.assertIn("刘洋: 1", text)
        # am_a1 logged five follow-ups last week and one the week before: a top mover.
        self.assertIn("+4", text)
        link = f"{SITE}{reverse('customers:customer-detail', args=[self.key_a.pk])}"
        self.assertIn(link, text)

    def test_each_lead_reads_it_in_their_language(self):
        p = self.p
        self.send_weekly(p.lead_a, p.team_a)
        self.send_weekly(p.lead_b, p.team_b)
        chinese, english = self.mail_to(p.lead_a), self.mail_to(p.lead_b)
        self.assertTrue(english["Subject"].strip().startswith("Weekly digest of 华北组"))
        self.assertIn("Key result", parts(english)["text/html"])
        zh = parts(chinese)
        self.assertIn('lang="zh-hans"', zh["text/html"])
        self.assertIn("关键结果", zh["text/html"])  # translated already
        self.assertIn("落后", zh["text/plain"])  # "Off track"
        self.assertNotIn("Off track", zh["text/plain"])
        self.assertIn("华东组", chinese["Subject"])
        with translation.override("zh-hans"):
            msgid = "Weekly digest of %(team)s, %(first)s – %(last)s"
            if translation.gettext(msgid) == msgid:
                self.skipTest("the digest's msgids await their zh-hans translation")
        self.assertNotIn("Weekly digest", chinese["Subject"])
        self.assertNotIn("Hello", zh["text/plain"])

    def test_customer_names_are_escaped_in_the_html(self):
        p = self.p
        digest = self.send_weekly(p.lead_a, p.team_a)
        html = parts(self.mail_to(p.lead_a))["text/html"]
        self.assertNotIn(HOSTILE, html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)
        self.assertNotIn(HOSTILE, digest.html)
        self.assertIn(HOSTILE, digest.text)  # plain text is not HTML

    def test_sending_again_in_the_same_week_sends_nothing_unless_forced(self):
        p = self.p
        first = self.send_weekly(p.lead_a, p.team_a)
        again = self.send_weekly(p.lead_a, p.team_a)
        self.assertEqual((again.pk, again.reused), (first.pk, True))
        self.assertEqual(len(self.smtp.messages), 1)
        forced = self.send_weekly(p.lead_a, p.team_a, force=True)
        self.assertNotEqual(forced.pk, first.pk)
        self.assertEqual(len(self.smtp.messages), 2)

    def test_a_failed_send_keeps_the_content_and_the_error(self):
        p = self.p
        with override_settings(EMAIL_PORT=free_port()):  # nothing listens there
            digest = self.send_weekly(p.lead_a, p.team_a)
        self.assertEqual(digest.status, DigestStatus.FAILED)
        self.assertIn("ConnectionRefusedError", digest.error)
        self.assertIsNone(digest.sent_at)
        self.assertIn("华东甲有限公司", digest.text)
        self.assertIn("华东甲有限公司", digest.html)
        self.assertEqual(self.smtp.messages, [])
        # Not sent, so not done: a second try goes out.
        retry = self.send_weekly(p.lead_a, p.team_a)
        self.assertEqual(retry.status, DigestStatus.SENT)
        self.assertEqual(len(self.smtp.messages), 1)

    def test_the_job_logs_a_failed_digest_and_sends_the_others(self):
        p = self.p
        from rapport.core.jobs import job_start

        today = local_today()
        dues = [
            Due(p.lead_a.pk, DigestKind.WEEKLY_TEAM, p.team_b.pk, today),  # not theirs
            Due(p.lead_b.pk, DigestKind.WEEKLY_TEAM, p.team_b.pk, today),
        ]
        with self.captureOnCommitCallbacks(execute=True):
            job = job_start(
                actor=None,
                kind="goals.digests",
                title="digests",
                params={"due": [d.as_params() for d in dues]},
            )
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.FAILED)
        self.assertIn("PermissionDenied", job.log)
        self.assertEqual(job.counts, {"sent": 1, "failed": 1})
        self.mail_to(p.lead_b)

    def test_the_company_digest_goes_to_admins(self):
        p = self.p
        digest = digest_send(user=p.admin, kind=DigestKind.MONTHLY_COMPANY)
        self.assertEqual(digest.status, DigestStatus.SENT)
        text = parts(self.mail_to(p.admin))["text/plain"]
        self.assertTrue(digest.subject.startswith("Monthly company digest"))
        self.assertIn("徐浩", text)
        self.assertIn("刘洋", text)
        self.assertEqual(digest.period_end, local_today().replace(day=1) - dt.timedelta(days=1))

    def test_the_command_sends_and_then_says_already_sent(self):
        from io import StringIO

        out = StringIO()
        call_command("digest", "send", "--user", "lead_b", stdout=out)
        self.assertIn("sent", out.getvalue())
        call_command("digest", "send", "--user", "lead_b", stdout=out)
        self.assertIn("Already sent", out.getvalue())
        self.assertEqual(len(self.smtp.messages), 1)
        for user, kind in ((self.p.lead_a, "weekly_team"), (self.p.admin, "monthly_company")):
            digest_subscription_set(actor=user, kind=kind, data={"enabled": False})
        call_command("digest", "due", stdout=out)  # whatever the clock says: lead_b's went
        self.assertIn("0 digests due, 0 not sent.", out.getvalue())
        self.assertEqual(len(self.smtp.messages), 1)


class DigestPageTests(DigestBook):
    def test_only_the_recipient_and_admins_see_a_digest(self):
        p = self.p
        digest = self.send_weekly(p.lead_a, p.team_a)
        for persona, status in [
            ("lead_a", 200), ("admin", 200), ("lead_b", 404), ("am_a1", 404), ("outsider", 404)
        ]:  # fmt: skip
            for name in ("goals:digest-detail", "goals:digest-html"):
                with self.subTest(persona=persona, page=name):
                    response = self.web(persona).get(reverse(name, args=[digest.pk]))
                    self.assertEqual(response.status_code, status)
        page = self.web("lead_a").get(reverse("goals:digest-detail", args=[digest.pk]))
        self.assertContains(page, digest.subject)
        self.assertContains(page, reverse("goals:digest-html", args=[digest.pk]))
        listing = self.web("lead_a").get(reverse("goals:digest-list"))
        self.assertContains(listing, digest.subject)
        self.assertNotContains(self.web("lead_b").get(reverse("goals:digest-list")), digest.subject)

    def test_the_list_reads_a_constant_number_of_queries(self):
        p = self.p
        client = self.web("admin")
        url = reverse("goals:digest-list") + "?everyone=1"
        week = period_for(DigestKind.WEEKLY_TEAM, local_today())

        def grow():
            for lead, team in ((p.lead_a, p.team_a), (p.lead_b, p.team_b)):
                Digest.objects.create(
                    recipient=lead, email=lead.email, kind=DigestKind.WEEKLY_TEAM, team=team,
                    period_start=week.first, period_end=week.last, subject=f"{team.name} 周报",
                    html="<p>h</p>", text="t", status=DigestStatus.SENT,
                )  # fmt: skip

        grow()
        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=25)
        self.assertContains(client.get(url), "华北组 周报")

    def test_the_mailed_html_is_framed_with_its_own_narrow_policy(self):
        p = self.p
        digest = self.send_weekly(p.lead_a, p.team_a)
        response = self.web("lead_a").get(reverse("goals:digest-html", args=[digest.pk]))
        policy = response["Content-Security-Policy"]
        self.assertIn("style-src 'unsafe-inline'", policy)
        self.assertIn("script-src 'none'", policy)
        self.assertIn("frame-ancestors 'self'", policy)
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertNotContains(response, HOSTILE)
        page = self.web("lead_a").get(reverse("goals:digest-detail", args=[digest.pk]))
        self.assertIn("frame-ancestors 'none'", page["Content-Security-Policy"])
        self.assertNotIn("unsafe-inline", page["Content-Security-Policy"])

    def test_send_me_this_weeks_digest_now(self):
        p = self.p
        url = reverse("goals:digest-send")
        data = {"kind": DigestKind.WEEKLY_TEAM, "team": p.team_a.pk}
        self.assertEqual(self.web("am_a1").post(url, data).status_code, 404)
        self.assertEqual(self.web("lead_b").post(url, data).status_code, 404)
        self.assertEqual(self.web("lead_a").get(url).status_code, 405)
        listing = reverse("goals:digest-list")
        self.assertContains(self.web("lead_a").get(listing), f'name="team" value="{p.team_a.pk}"')
        self.assertNotContains(self.web("am_a1").get(listing), 'data-testid="digest-send"')
        for _time in range(2):  # "now" sends even when this week's went already
            response = self.web("lead_a").post(url, data)
            digest = Digest.objects.filter(recipient=p.lead_a).first()
            self.assertRedirects(response, digest.get_absolute_url())
        self.assertEqual(len(self.smtp.messages), 2)
        self.assertTrue(digest.forced)
        self.assertEqual(
            self.web("lead_a").post(url, {"kind": "weekly_team", "team": "x"}).status_code, 404
        )

    def test_a_lead_turns_the_weekly_digest_off(self):
        p = self.p
        url = reverse("goals:digest-settings")
        page = self.web("lead_a").get(url)
        self.assertContains(page, 'name="weekly_team-weekday"')
        self.assertNotContains(page, 'name="monthly_company-enabled"')
        response = self.web("lead_a").post(
            url, {"weekly_team-weekday": "2", "weekly_team-hour": "9"}
        )
        self.assertRedirects(response, url)
        sub = DigestSubscription.objects.get(user=p.lead_a, kind=DigestKind.WEEKLY_TEAM)
        self.assertEqual((sub.enabled, sub.weekday, sub.hour), (False, 2, 9))
        bad = self.web("lead_a").post(
            url, {"weekly_team-enabled": "on", "weekly_team-weekday": "9", "weekly_team-hour": "25"}
        )
        self.assertEqual(bad.status_code, 200)
        sub.refresh_from_db()
        self.assertFalse(sub.enabled)  # nothing written
        self.assertContains(self.web("am_a1").get(url), "your roles give you none")


class DigestScheduleTests(PersonaTestCase):
    """The due-finder with a fixed "now" (never the clock)."""

    MONDAY_0805 = dt.datetime(2027, 1, 4, 0, 5, tzinfo=dt.UTC)  # 08:05 in Shanghai

    def found(self, now):
        return {(d.user_id, d.kind, d.team_id, d.day) for d in due(now)}

    def test_leads_get_the_weekly_and_admins_the_monthly_by_default(self):
        p = self.p
        self.assertEqual(
            {(e.user_id, e.kind, e.team_id) for e in entitlements()},
            {
                (p.lead_a.pk, DigestKind.WEEKLY_TEAM, p.team_a.pk),
                (p.lead_b.pk, DigestKind.WEEKLY_TEAM, p.team_b.pk),
                (p.admin.pk, DigestKind.MONTHLY_COMPANY, None),
            },
        )

    def test_monday_0800_in_shanghai(self):
        p = self.p
        monday = dt.date(2027, 1, 4)
        weekly = {
            (p.lead_a.pk, DigestKind.WEEKLY_TEAM, p.team_a.pk, monday),
            (p.lead_b.pk, DigestKind.WEEKLY_TEAM, p.team_b.pk, monday),
        }
        self.assertEqual(self.found(self.MONDAY_0805), weekly)
        self.assertEqual(self.found(self.MONDAY_0805 - dt.timedelta(hours=1)), set())  # 07:05
        self.assertEqual(self.found(self.MONDAY_0805 + dt.timedelta(days=1)), set())  # Tuesday
        # A missed hour is caught up for a few hours, not all week.
        self.assertEqual(self.found(self.MONDAY_0805 + dt.timedelta(hours=5)), weekly)
        self.assertEqual(self.found(self.MONDAY_0805 + dt.timedelta(hours=6)), set())
        self.assertEqual(
            period_for(DigestKind.WEEKLY_TEAM, monday),
            DayRange(dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
        )

    def test_the_first_of_the_month_for_admins(self):
        p = self.p
        first = dt.datetime(2027, 2, 1, 0, 5, tzinfo=dt.UTC)  # a Monday, 08:05 in Shanghai
        self.assertIn(
            (p.admin.pk, DigestKind.MONTHLY_COMPANY, None, dt.date(2027, 2, 1)), self.found(first)
        )
        self.assertEqual(
            period_for(DigestKind.MONTHLY_COMPANY, dt.date(2027, 2, 1)),
            DayRange(dt.date(2027, 1, 1), dt.date(2027, 1, 31)),
        )

    def test_subscriptions_change_the_day_the_hour_or_turn_it_off(self):
        p = self.p
        digest_subscription_set(
            actor=p.lead_a, kind=DigestKind.WEEKLY_TEAM, data={"enabled": False}
        )
        digest_subscription_set(
            actor=p.lead_b, kind=DigestKind.WEEKLY_TEAM, data={"weekday": 4, "hour": 17}
        )
        self.assertEqual(self.found(self.MONDAY_0805), set())
        friday_1705 = dt.datetime(2027, 1, 8, 9, 5, tzinfo=dt.UTC)
        self.assertEqual(
            self.found(friday_1705),
            {(p.lead_b.pk, DigestKind.WEEKLY_TEAM, p.team_b.pk, dt.date(2027, 1, 8))},
        )

    def test_the_hour_is_the_recipients_local_hour(self):
        p = self.p
        p.lead_b.time_zone = "Europe/Berlin"
        p.lead_b.save(update_fields=["time_zone"])
        berlin_0805 = dt.datetime(2027, 1, 4, 7, 5, tzinfo=dt.UTC)
        found = {d.user_id for d in due(berlin_0805)}
        self.assertIn(p.lead_b.pk, found)
        self.assertNotIn(p.lead_a.pk, found)  # 15:05 in Shanghai: past the catch-up
        self.assertNotIn(p.lead_b.pk, {d.user_id for d in due(self.MONDAY_0805)})

    def test_a_sent_digest_is_not_due_again_and_failures_are_retried_a_few_times(self):
        p = self.p
        monday = dt.date(2027, 1, 4)
        week = period_for(DigestKind.WEEKLY_TEAM, monday)

        def record(user, team, status):
            Digest.objects.create(
                recipient=user, email=user.email, kind=DigestKind.WEEKLY_TEAM, team=team,
                period_start=week.first, period_end=week.last, subject="s", html="h", text="t",
                status=status,
            )  # fmt: skip

        record(p.lead_a, p.team_a, DigestStatus.SENT)
        record(p.lead_b, p.team_b, DigestStatus.FAILED)
        self.assertEqual({d.user_id for d in due(self.MONDAY_0805)}, {p.lead_b.pk})
        record(p.lead_b, p.team_b, DigestStatus.FAILED)
        record(p.lead_b, p.team_b, DigestStatus.FAILED)
        self.assertEqual(due(self.MONDAY_0805), [])

    def test_a_lead_of_a_team_and_its_subteam_gets_one_digest(self):
        from rapport.org import services as org

        p = self.p
        org.membership_create(
            actor=None, data={"user": p.lead_a, "team": p.sales, "role": "team_lead"}
        )
        mine = [e for e in entitlements() if e.user_id == p.lead_a.pk]
        self.assertEqual([e.team_id for e in mine], [p.sales.pk])
