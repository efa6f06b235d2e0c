"""The multi-process shape on one machine (DESIGN §9): two web processes (gunicorn) and a job
worker with its scheduler, sharing only the database and the queue.

A user signs in over HTTP, starts the audit export from the page, watches the job through
the API and the htmx partial, and downloads the file the worker wrote. Runs on SQLite +
SqliteHuey always, and on the configured database + RedisHuey when REDIS_URL is set.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.org.models import User

from .conftest import free_port, start_web, start_worker, use_queue

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(params=["sqlite", "redis"])
def queue(request):
    return request.getfixturevalue(f"{request.param}_queue")


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, and JSON."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str, headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {})
        return self.opener.open(request, timeout=10)

    def post_form(self, path: str, data: dict[str, str], token_from: str):
        page = self.get(token_from).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + token_from}
        )
        return self.opener.open(request, timeout=10)

    def json(self, path: str) -> dict:
        return json.loads(self.get(path, {"Accept": "application/json"}).read())


def _healthy(browser: Browser) -> bool:
    try:
        body = browser.json("/healthz")
    except (urllib.error.URLError, ConnectionError):
        return False
    return body["status"] == "ok" and body["jobs"]["worker_alive"]


def test_user_starts_a_job_in_the_web_and_the_worker_finishes_it(queue, static_root, tmp_path):
    user = User.objects.create_user(username="am_web", email="am_web@example.com")
    # The web processes run production settings, whose hashers the test settings lack.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    record(actor=user, action=Action.UPDATE, obj=user, object_label='=WEBSERVICE("x")')

    port = free_port()
    browser = Browser(f"http://127.0.0.1:{port}")
    with (
        use_queue(queue),
        start_worker(queue, tmp_path / "worker.log"),
        start_web(queue, tmp_path / "web.log", port, static_root) as web,
    ):
        web.wait_for(lambda: _healthy(browser), "/healthz to report a live worker")

        signed_in = browser.post_form(
            "/accounts/login/", {"login": "am_web", "password": PASSWORD}, "/accounts/login/"
        )
        assert urllib.parse.urlparse(signed_in.geturl()).path == "/"

        job_page = browser.post_form("/audit/export/", {}, "/audit/")
        match = re.fullmatch(r"/jobs/(\d+)/", urllib.parse.urlparse(job_page.geturl()).path)
        assert match, job_page.geturl()
        job_id = int(match.group(1))
        assert 'id="job-progress"' in job_page.read().decode()

        def finished() -> bool:
            return browser.json(f"/api/v1/jobs/{job_id}/")["status"] in {"succeeded", "failed"}

        web.wait_for(finished, f"job {job_id} to finish")
        job = browser.json(f"/api/v1/jobs/{job_id}/")
        assert job["status"] == "succeeded", job["error"]
        assert job["percent"] == 100 and job["progress"] == job["total"] >= 2

        partial = browser.get(f"/jobs/{job_id}/", {"HX-Request": "true"}).read().decode()
        assert partial.lstrip().startswith('<section id="job-progress" data-status="succeeded"')
        assert "hx-get" not in partial

        download = browser.get(urllib.parse.urlparse(job["result_url"]).path)
        assert "attachment" in download.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(download.read().decode("utf-8-sig"))))
        assert '\'=WEBSERVICE("x")' in {row[5] for row in rows[1:]}
        assert len(rows) - 1 == job["total"]
