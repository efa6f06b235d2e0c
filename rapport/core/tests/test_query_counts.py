"""No list or page runs more queries when it shows more rows (DESIGN §7)."""

from django.urls import reverse

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core.jobs import job_start
from rapport.core.testing import PersonaTestCase
from rapport.org.tests.factories import JobDescriptionFactory, MembershipFactory, TeamFactory


class ListQueryCountTests(PersonaTestCase):
    def check(self, persona, url, grow, at_most, api=False):
        client = self.api(persona) if api else self.web(persona)
        count = self.assertQueriesConstant(lambda: client.get(url), grow, at_most=at_most)
        self.assertGreater(count, 0)

    def grow_teams(self):
        for _ in range(8):
            MembershipFactory(team=TeamFactory(parent=self.p.sales))

    def grow_job_descriptions(self):
        for _ in range(8):
            JobDescriptionFactory(team=self.p.team_a)

    def grow_audit(self):
        for i in range(12):
            record(actor=self.p.admin, action=Action.UPDATE, obj=self.p.team_a, object_label=str(i))

    def grow_jobs(self):
        for _ in range(6):
            job_start(actor=self.p.admin, kind="audit_export", title="export")

    def test_team_list_page_and_api(self):
        self.check("admin", reverse("org:team-list"), self.grow_teams, 12)
        self.check("admin", reverse("api:team-list"), self.grow_teams, 4, api=True)

    def test_team_detail_page(self):
        url = reverse("org:team-detail", args=[self.p.sales.pk])
        self.check("admin", url, self.grow_teams, 16)

    def test_membership_api(self):
        self.check("admin", reverse("api:membership-list"), self.grow_teams, 4, api=True)

    def test_job_description_list_page_and_api(self):
        JobDescriptionFactory(team=self.p.team_a)  # a non-empty page to start from
        self.check("lead_a", reverse("org:jobdescription-list"), self.grow_job_descriptions, 14)
        url = reverse("api:jobdescription-list")
        self.check("lead_a", url, self.grow_job_descriptions, 6, api=True)

    def test_audit_page_and_history(self):
        self.check("admin", reverse("audit:event-list"), self.grow_audit, 12)
        url = reverse("api:team-history", args=[self.p.team_a.pk])
        self.check("am_a1", url, self.grow_audit, 8, api=True)

    def test_jobs_page_and_api(self):
        job_start(actor=self.p.admin, kind="audit_export", title="first")
        self.check("admin", reverse("core:job-list"), self.grow_jobs, 12)
        self.check("admin", reverse("api:job-list"), self.grow_jobs, 4, api=True)
