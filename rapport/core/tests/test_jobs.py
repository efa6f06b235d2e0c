"""The job runner: starting after commit, idempotent runs, failures, the job page and API,
the audit export job, and the periodic tasks (DESIGN §3, §10.9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import record
from rapport.core import tasks
from rapport.core.health import HEARTBEAT_KEY
from rapport.core.jobs import job_kind, job_run, job_start
from rapport.core.models import Job
from rapport.core.testing import PERSONAS, PersonaTestCase, ScopeContract

# Job kinds used only by these tests. `calls` counts how often each handler really ran.
calls: dict[str, int] = {"test_ok": 0, "test_fail": 0}


@job_kind("test_ok")
def _ok_job(job, reporter) -> None:
    calls["test_ok"] += 1
    reporter.total(3)
    for done in range(1, 4):
        reporter.advance(done, rows=done)
    reporter.result("result.txt", "完成 done".encode())
    reporter.log("three rows")


@job_kind("test_fail")
def _failing_job(job, reporter) -> None:
    calls["test_fail"] += 1
    reporter.total(10)
    reporter.advance(4)
    raise ValueError("the source file has no header row")


def _job(owner, status=Job.Status.QUEUED, **fields) -> Job:
    return Job.objects.create(
        kind="test_ok", title=f"job of {owner}", owner=owner, status=status, **fields
    )


class JobStartTests(PersonaTestCase):
    def test_job_is_enqueued_only_when_the_transaction_commits(self):
        with mock.patch.object(tasks, "run_job") as run_job:
            with self.captureOnCommitCallbacks(execute=False) as callbacks:
                job = job_start(actor=self.p.am_a1, kind="test_ok", title="Export")
                run_job.assert_not_called()
            self.assertEqual(len(callbacks), 1)
            callbacks[0]()
            run_job.assert_called_once_with(job.pk)

    def test_job_started_and_committed_runs_to_success(self):
        with self.captureOnCommitCallbacks(execute=True):
            job = job_start(actor=self.p.am_a1, kind="test_ok", title="Export")
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.SUCCEEDED)
        self.assertEqual((job.progress, job.total, job.percent), (3, 3, 100))
        self.assertEqual(job.counts, {"rows": 3})
        self.assertTrue(job.result_file.name.endswith(".txt"))
        self.assertIsNotNone(job.started_at)
        self.assertIsNotNone(job.finished_at)

    def test_rolled_back_transaction_enqueues_nothing_and_leaves_no_job(self):
        before = AuditEvent.objects.count()
        with (
            mock.patch.object(tasks, "run_job") as run_job,
            self.captureOnCommitCallbacks(execute=True) as callbacks,
        ):
            try:
                with transaction.atomic():
                    job_start(actor=self.p.am_a1, kind="test_ok", title="Export")
                    raise RuntimeError("the surrounding write failed")
            except RuntimeError:
                pass
        self.assertEqual(callbacks, [])
        run_job.assert_not_called()
        self.assertFalse(Job.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_start_is_audited(self):
        with self.captureOnCommitCallbacks(execute=False):
            job = job_start(actor=self.p.am_a1, kind="test_ok", title="Export", params={"q": "x"})
        event = AuditEvent.objects.for_object(job).get(action=Action.JOB)
        self.assertEqual(event.actor, self.p.am_a1)
        self.assertEqual(event.extra, {"kind": "test_ok", "params": {"q": "x"}})

    def test_unknown_kind_is_refused_before_anything_is_written(self):
        with self.assertRaises(ValueError):
            job_start(actor=self.p.am_a1, kind="no_such_kind", title="x")
        self.assertFalse(Job.objects.exists())

    def test_queue_unavailable_fails_the_job_visibly(self):
        with (
            mock.patch.object(tasks, "run_job", side_effect=ConnectionError("redis down")),
            self.captureOnCommitCallbacks(execute=True),
        ):
            job = job_start(actor=self.p.am_a1, kind="test_ok", title="Export")
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.FAILED)
        self.assertIn("job runner is unavailable", job.error)
        self.assertIsNotNone(job.finished_at)

    def test_same_kind_name_cannot_be_registered_twice(self):
        with self.assertRaises(ValueError):
            job_kind("test_ok")(lambda job, reporter: None)


class JobRunTests(PersonaTestCase):
    def setUp(self):
        calls.update({"test_ok": 0, "test_fail": 0})

    def test_second_run_of_the_same_job_does_nothing(self):
        job = _job(self.p.am_a1)
        self.assertEqual(job_run(job.pk).status, Job.Status.SUCCEEDED)
        finished_at = Job.objects.get(pk=job.pk).finished_at
        self.assertIsNone(job_run(job.pk))
        self.assertEqual(calls["test_ok"], 1)
        self.assertEqual(Job.objects.get(pk=job.pk).finished_at, finished_at)

    def test_job_already_running_elsewhere_is_not_run_again(self):
        job = _job(self.p.am_a1, status=Job.Status.RUNNING)
        self.assertIsNone(job_run(job.pk))
        self.assertEqual(calls["test_ok"], 0)
        self.assertEqual(Job.objects.get(pk=job.pk).status, Job.Status.RUNNING)

    def test_missing_job_id_is_ignored(self):
        self.assertIsNone(job_run(987654))

    def test_failing_job_ends_failed_with_its_error(self):
        job = Job.objects.create(kind="test_fail", title="Import", owner=self.p.am_a1)
        with self.assertLogs("rapport.core.jobs", "ERROR"):
            job_run(job.pk)
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.FAILED)
        self.assertEqual(job.error, "ValueError: the source file has no header row")
        self.assertEqual((job.progress, job.total), (4, 10))
        self.assertIsNotNone(job.finished_at)
        self.assertFalse(job.result_file)
        # A failed job is finished too: running it again does nothing.
        self.assertIsNone(job_run(job.pk))
        self.assertEqual(calls["test_fail"], 1)

    def test_failed_job_page_shows_the_error_and_stops_polling(self):
        job = Job.objects.create(kind="test_fail", title="Import", owner=self.p.am_a1)
        with self.assertLogs("rapport.core.jobs", "ERROR"):
            job_run(job.pk)
        response = self.web("am_a1").get(job.get_absolute_url())
        self.assertContains(response, "the source file has no header row")
        self.assertContains(response, 'data-status="failed"')
        self.assertNotContains(response, f'hx-get="{job.get_absolute_url()}"')  # no polling

    def test_job_of_a_kind_no_longer_registered_fails(self):
        job = Job.objects.create(kind="retired_kind", title="Old", owner=self.p.am_a1)
        with self.assertLogs("rapport.core.jobs", "ERROR"):
            job_run(job.pk)
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.FAILED)
        self.assertIn("retired_kind", job.error)


class JobScopeTests(ScopeContract, PersonaTestCase):
    """A job is seen by the user who started it and by admins; everyone else gets 404."""

    model = Job
    api_basename = "api:job"
    page_detail = "core:job-detail"
    visible = {
        "admin": "*",
        "lead_a": {"lead_job"},
        "lead_b": set(),
        "am_a1": {"am_job"},
        "am_a2": set(),
        "am_b1": set(),
        "qm": set(),
        "viewer": set(),
        "outsider": set(),
    }

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.jobs = {
            "am_job": _job(cls.p.am_a1, status=Job.Status.SUCCEEDED),
            "lead_job": _job(cls.p.lead_a, status=Job.Status.RUNNING),
            "admin_job": _job(cls.p.admin),
        }

    def objects(self):
        return self.jobs

    def test_api_is_read_only(self):
        url = reverse("api:job-detail", args=[self.jobs["am_job"].pk])
        client = self.api("am_a1")
        self.assertEqual(client.patch(url, {"status": "queued"}).status_code, 405)
        self.assertEqual(client.delete(url).status_code, 405)
        self.assertEqual(client.post(reverse("api:job-list"), {}).status_code, 405)
        self.assertEqual(Job.objects.get(pk=self.jobs["am_job"].pk).status, "succeeded")

    def test_api_needs_authentication(self):
        url = reverse("api:job-detail", args=[self.jobs["am_job"].pk])
        self.assertIn(self.api(None).get(url).status_code, {401, 403})

    def test_page_list_shows_only_visible_jobs(self):
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                response = self.web(persona).get(reverse("core:job-list"))
                self.assertEqual(response.status_code, 200)
                shown = {
                    name
                    for name, job in self.jobs.items()
                    if job.get_absolute_url() in response.content.decode()
                }
                self.assertEqual(shown, self._expected(self.visible, persona))


class JobPageTests(PersonaTestCase):
    def test_running_job_page_has_a_progress_bar_that_polls(self):
        job = _job(self.p.am_a1, status=Job.Status.RUNNING, progress=25, total=100)
        response = self.web("am_a1").get(job.get_absolute_url())
        self.assertContains(response, "<html", count=1)
        self.assertContains(response, '<progress value="25" max="100"')
        self.assertContains(response, f'hx-get="{job.get_absolute_url()}"')
        self.assertContains(response, 'hx-trigger="every 1s"')

    def test_htmx_poll_gets_the_progress_block_alone(self):
        job = _job(self.p.am_a1, status=Job.Status.RUNNING, progress=3, total=4)
        response = self.web("am_a1").get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        body = response.content.decode().strip()
        self.assertTrue(body.startswith('<section id="job-progress"'), body[:80])
        self.assertNotIn("<html", body)
        self.assertIn('<progress value="75" max="100"', body)
        self.assertIn("hx-get=", body)

    def test_finished_job_stops_polling_and_offers_the_download(self):
        job = _job(self.p.am_a1)
        job_run(job.pk)
        response = self.web("am_a1").get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
        self.assertContains(response, '<progress value="100" max="100"')
        self.assertContains(response, reverse("core:job-download", args=[job.pk]))
        self.assertNotContains(response, "hx-get=")

    def test_htmx_poll_of_someone_elses_job_is_404(self):
        job = _job(self.p.am_a1, status=Job.Status.RUNNING)
        response = self.web("am_a2").get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 404)

    def test_anonymous_is_sent_to_sign_in(self):
        job = _job(self.p.am_a1)
        response = self.web(None).get(job.get_absolute_url())
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])

    def test_download_only_for_the_owner_and_admins(self):
        job = _job(self.p.am_a1)
        job_run(job.pk)
        url = reverse("core:job-download", args=[job.pk])
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                response = self.web(persona).get(url)
                if persona in {"am_a1", "admin"}:
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("attachment", response["Content-Disposition"])
                    self.assertEqual(b"".join(response.streaming_content), "完成 done".encode())
                else:
                    self.assertEqual(response.status_code, 404)

    def test_download_without_a_result_is_404(self):
        job = _job(self.p.am_a1, status=Job.Status.RUNNING)
        response = self.web("am_a1").get(reverse("core:job-download", args=[job.pk]))
        self.assertEqual(response.status_code, 404)

    def test_download_of_a_vanished_file_is_404(self):
        job = _job(self.p.am_a1)
        job_run(job.pk)
        job.refresh_from_db()
        job.result_file.storage.delete(job.result_file.name)
        response = self.web("am_a1").get(reverse("core:job-download", args=[job.pk]))
        self.assertEqual(response.status_code, 404)

    def test_api_detail_reports_progress_and_links(self):
        job = _job(self.p.am_a1)
        job_run(job.pk)
        body = self.api("am_a1").get(reverse("api:job-detail", args=[job.pk])).json()
        self.assertEqual(body["status"], "succeeded")
        self.assertEqual((body["progress"], body["total"], body["percent"]), (3, 3, 100))
        self.assertEqual(body["counts"], {"rows": 3})
        self.assertTrue(body["result_url"].endswith(f"/jobs/{job.pk}/download/"))
        self.assertTrue(body["page_url"].endswith(f"/jobs/{job.pk}/"))

    def test_api_list_filters_by_status(self):
        _job(self.p.am_a1, status=Job.Status.RUNNING)
        done = _job(self.p.am_a1, status=Job.Status.SUCCEEDED)
        response = self.api("am_a1").get(reverse("api:job-list"), {"status": "succeeded"})
        self.assertEqual([row["id"] for row in response.json()["results"]], [done.pk])


class AuditExportTests(PersonaTestCase):
    """POST /audit/export/ starts a job that writes the visible, filtered audit log to CSV."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        record(
            actor=p.am_a1,
            action=Action.UPDATE,
            obj=p.team_a,
            object_label="=1+2",
            changes={"name": ["华东", '=HYPERLINK("http://evil")']},
        )
        record(actor=p.am_a1, action=Action.LOGIN, object_label="@SUM(A1)")
        record(actor=p.am_a2, action=Action.UPDATE, obj=p.team_a, object_label="+86 138")
        record(actor=p.am_b1, action=Action.UPDATE, obj=p.team_b, object_label="secret of B")
        record(actor=p.lead_b, action=Action.UPDATE, obj=p.team_b, object_label="-lead B")

    def export(self, persona: str, **filters) -> tuple[Job, list[list[str]]]:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.web(persona).post(reverse("audit:export"), filters)
        job = Job.objects.visible_to(getattr(self.p, persona)).get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
        content = job.result_file.open("rb").read()
        self.assertTrue(content.startswith("\ufeff".encode()))
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return job, rows

    def labels(self, rows) -> set[str]:
        return {row[5] for row in rows[1:]}

    def test_account_manager_exports_only_their_own_events(self):
        job, rows = self.export("am_a1")
        self.assertEqual(rows[0][:3], ["time", "actor", "action"])
        for row in rows[1:]:
            # Their own actions, and events about them done by nobody (e.g. their account).
            about_them = row[3:5] == ["org.user", str(self.p.am_a1.pk)]
            self.assertTrue(row[1] == "am_a1" or (row[1] == "" and about_them), row)
        self.assertIn("'=1+2", self.labels(rows))
        self.assertNotIn("secret of B", self.labels(rows))
        self.assertEqual(job.total, len(rows) - 1)
        self.assertEqual(job.counts, {"rows": len(rows) - 1})

    def test_lead_exports_their_team_but_not_the_sibling_team(self):
        _job, rows = self.export("lead_a")
        labels = self.labels(rows)
        self.assertTrue({"'=1+2", "'+86 138"} <= labels)
        self.assertNotIn("secret of B", labels)
        self.assertNotIn("'-lead B", labels)

    def test_admin_exports_everything(self):
        _job, rows = self.export("admin")
        self.assertTrue(
            {"'=1+2", "'@SUM(A1)", "'+86 138", "secret of B", "'-lead B"} <= self.labels(rows)
        )

    def test_spreadsheet_formulas_are_neutralised_in_every_column(self):
        _job, rows = self.export("am_a1")
        changes = next(row[6] for row in rows if row[5] == "'=1+2")
        self.assertIn("=HYPERLINK", changes)
        self.assertIn("华东", changes)
        for row in rows[1:]:
            for cell in row:
                self.assertFalse(cell[:1] in {"=", "+", "-", "@", "\t", "\r"}, cell)

    def test_export_applies_the_page_filters(self):
        _job, rows = self.export("am_a1", action="login")
        self.assertEqual({row[2] for row in rows[1:]}, {"login"})
        self.assertIn("'@SUM(A1)", self.labels(rows))
        self.assertNotIn("'=1+2", self.labels(rows))

    def test_times_are_in_the_owners_time_zone(self):
        _job, rows = self.export("am_a1")
        self.assertTrue(all(row[0].endswith("+08:00") for row in rows[1:]))  # Asia/Shanghai
        self.p.am_a2.time_zone = "Europe/Berlin"
        self.p.am_a2.save(update_fields=["time_zone"])
        _job, rows = self.export("am_a2")
        self.assertTrue(all(row[0][-6:] in {"+01:00", "+02:00"} for row in rows[1:]), rows)

    def test_export_is_audited(self):
        job, _rows = self.export("am_a1")
        event = AuditEvent.objects.for_object(job).get(action=Action.EXPORT)
        self.assertEqual(event.actor, self.p.am_a1)

    def test_export_needs_post_and_sign_in(self):
        self.assertEqual(self.web("am_a1").get(reverse("audit:export")).status_code, 405)
        response = self.web(None).post(reverse("audit:export"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Job.objects.exists())


class PeriodicTaskTests(TestCase):
    """Periodic tasks are registered with huey's schedule (times in TIME_ZONE) and do their
    work. huey gives the scheduler naive UTC datetimes; Asia/Shanghai is UTC+8."""

    def due_at(self, utc: dt.datetime) -> set[str]:
        return {task.name for task in HUEY.read_periodic(utc)}

    def test_schedule(self):
        registered = {task.name for task in HUEY._registry.periodic_tasks}
        self.assertTrue(
            {"purge_expired_sessions_daily", "purge_old_audit_events_weekly", "heartbeat"}
            <= registered
        )
        # 03:17 on Sunday 2025-01-05 in Shanghai is 19:17 UTC on Saturday.
        self.assertEqual(
            self.due_at(dt.datetime(2025, 1, 4, 19, 17)),
            {"purge_expired_sessions_daily", "heartbeat"},
        )
        self.assertEqual(
            self.due_at(dt.datetime(2025, 1, 4, 19, 37)),
            {"purge_old_audit_events_weekly", "heartbeat"},
        )
        # The same wall-clock times in UTC are not the schedule; a weekday has no audit purge.
        self.assertEqual(self.due_at(dt.datetime(2025, 1, 5, 3, 17)), {"heartbeat"})
        self.assertEqual(self.due_at(dt.datetime(2025, 1, 6, 19, 37)), {"heartbeat"})

    @override_settings(TIME_ZONE="UTC")
    def test_schedule_follows_the_configured_time_zone(self):
        self.assertIn("purge_expired_sessions_daily", self.due_at(dt.datetime(2025, 1, 5, 3, 17)))

    def test_purge_expired_sessions(self):
        expired, live = SessionStore(), SessionStore()
        for store in (expired, live):
            store["user"] = 1
            store.create()
        Session.objects.filter(session_key=expired.session_key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
        self.assertEqual(tasks.purge_expired_sessions_daily.call_local(), 1)
        self.assertEqual(
            list(Session.objects.values_list("session_key", flat=True)), [live.session_key]
        )

    def _event_aged(self, days: float, label: str) -> AuditEvent:
        return AuditEvent.objects.create(
            occurred_at=timezone.now() - dt.timedelta(days=days),
            action=Action.LOGIN,
            object_label=label,
        )

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_audit_purge_removes_events_past_retention(self):
        self._event_aged(400, "old")
        self._event_aged(300, "kept")
        self.assertEqual(tasks.purge_old_audit_events_weekly.call_local(), 1)
        labels = set(AuditEvent.objects.values_list("object_label", flat=True))
        self.assertEqual(labels, {"kept", ""})  # "" is the purge's own audit event
        purge = AuditEvent.objects.get(action=Action.PURGE)
        self.assertEqual(purge.extra, {"older_than_days": 365, "removed": 1})

    @override_settings(AUDIT_RETENTION_DAYS=1)
    def test_audit_purge_never_removes_events_younger_than_180_days(self):
        self._event_aged(179.9, "young")
        self._event_aged(2, "recent")
        self._event_aged(181, "old")
        self.assertEqual(tasks.purge_old_audit_events_weekly.call_local(), 1)
        labels = set(AuditEvent.objects.values_list("object_label", flat=True))
        self.assertEqual(labels, {"young", "recent", ""})

    def test_heartbeat_records_when_a_worker_was_last_seen(self):
        HUEY.delete(HEARTBEAT_KEY)
        self.assertIsNone(self.client.get("/healthz").json()["jobs"]["worker_seen_seconds_ago"])
        tasks.heartbeat.call_local()
        self.assertEqual(self.client.get("/healthz").json()["jobs"]["worker_seen_seconds_ago"], 0)

    def test_worker_start_writes_a_heartbeat(self):
        HUEY.delete(HEARTBEAT_KEY)
        self.assertIn("heartbeat_on_start", HUEY._startup)
        HUEY._startup["heartbeat_on_start"]()
        self.assertIsNotNone(HUEY.get(HEARTBEAT_KEY, peek=True))


class StaleJobTests(PersonaTestCase):
    def test_a_running_job_silent_for_an_hour_is_failed_and_others_are_left(self):
        import datetime as dt

        from django.utils import timezone

        from rapport.core.jobs import jobs_fail_stale
        from rapport.core.models import Job

        now = timezone.now()
        stale = Job.objects.create(
            kind="audit_export", title="old", owner=self.p.am_a1, status=Job.Status.RUNNING
        )
        fresh = Job.objects.create(
            kind="audit_export", title="new", owner=self.p.am_a1, status=Job.Status.RUNNING
        )
        queued = Job.objects.create(kind="audit_export", title="q", owner=self.p.am_a1)
        Job.objects.filter(pk__in=[stale.pk, queued.pk]).update(
            updated_at=now - dt.timedelta(hours=2)
        )
        self.assertEqual(jobs_fail_stale(now=now), 1)
        stale.refresh_from_db()
        self.assertEqual(stale.status, Job.Status.FAILED)
        self.assertIn("worker stopped", stale.error)
        self.assertEqual(Job.objects.get(pk=fresh.pk).status, Job.Status.RUNNING)
        self.assertEqual(Job.objects.get(pk=queued.pk).status, Job.Status.QUEUED)
