"""/healthz: 200 with the state of the database and the job runner; 503 without a database."""

from __future__ import annotations

import time
from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from huey.contrib.djhuey import HUEY

from rapport.core import health


class HealthzTests(TestCase):
    url = "/healthz"

    def setUp(self):
        HUEY.delete(health.HEARTBEAT_KEY)

    def test_answers_200_json_without_signing_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("no-cache", response["Cache-Control"])
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertTrue(body["database"]["ok"])
        self.assertIn(body["database"]["vendor"], {"sqlite", "postgresql"})
        self.assertGreaterEqual(body["database"]["ms"], 0)
        jobs = body["jobs"]
        self.assertTrue(jobs["ok"])
        self.assertIn(jobs["backend"], {"SqliteHuey", "RedisHuey"})
        self.assertEqual(jobs["pending"], 0)
        # Test settings run jobs inline, so there is always a "worker".
        self.assertTrue(jobs["immediate"])
        self.assertTrue(jobs["worker_alive"])

    def test_database_down_answers_503(self):
        with mock.patch.object(
            health.connection, "cursor", side_effect=OperationalError("connection refused")
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["status"], "fail")
        self.assertFalse(body["database"]["ok"])
        self.assertEqual(body["database"]["error"], "OperationalError")
        # The error's text (hosts, credentials) is not published.
        self.assertNotIn("connection refused", response.content.decode())
        self.assertTrue(body["jobs"]["ok"])

    def test_queue_unreachable_is_degraded_but_200(self):
        with mock.patch.object(HUEY, "pending_count", side_effect=ConnectionError("no redis")):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(
            body["jobs"], {"ok": False, "backend": type(HUEY).__name__, "error": "ConnectionError"}
        )
        self.assertTrue(body["database"]["ok"])

    def test_worker_alive_follows_the_heartbeat_when_jobs_run_in_workers(self):
        with mock.patch.object(HUEY, "_immediate", False):
            jobs = self.client.get(self.url).json()["jobs"]
            self.assertEqual((jobs["worker_alive"], jobs["worker_seen_seconds_ago"]), (False, None))

            health.beat()
            body = self.client.get(self.url).json()
            self.assertEqual(body["status"], "ok")
            self.assertTrue(body["jobs"]["worker_alive"])
            self.assertEqual(body["jobs"]["worker_seen_seconds_ago"], 0)

            HUEY.put(health.HEARTBEAT_KEY, time.time() - health.WORKER_STALE_SECONDS - 5)
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["status"], "degraded")
            self.assertFalse(response.json()["jobs"]["worker_alive"])
