"""Operator commands: the demo organisation and API tokens."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from rapport.org.models import ApiToken, Membership, Role, Team, User


@pytest.mark.django_db
def test_demo_builds_the_organisation_and_prints_logins():
    out = io.StringIO()
    call_command("demo", stdout=out)
    roles = list(Membership.objects.values_list("role", flat=True))
    assert roles.count(Role.ACCOUNT_MANAGER) == 12
    assert roles.count(Role.QUALITY_MANAGER) == 1
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.TEAM_LEAD) >= 2
    sales = Team.objects.get(english_name="Sales Department")
    assert Team.objects.filter(parent=sales).count() == 2
    assert Team.objects.filter(english_name="Customer Quality Team").exists()
    wang = User.objects.get(username="wang.fang")
    assert (wang.full_name, wang.english_name) == ("王芳", "Wang Fang")
    text = out.getvalue()
    assert "rapport-demo-2026" in text and "liu.yang" in text
    _assert_demo_book()
    # A second run refuses, unless asked to skip quietly.
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert User.objects.count() == 18


@pytest.mark.django_db
def test_token_create_prints_a_working_token():
    user = User.objects.create_user("ops", password="x-very-long-password-1")
    out = io.StringIO()
    call_command("token", "create", "ops", "--name", "cron", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("rpt_")
    token = ApiToken.objects.get(user=user)
    assert token.name == "cron" and token.key_hash != key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:me")).json()["username"] == "ops"
    with pytest.raises(CommandError, match="No user"):
        call_command("token", "create", "nobody")


def _assert_demo_book():
    """Issue #3 §12: about 300 customers with contacts, six months of follow-ups,
    opportunities in every stage and a pool with candidates."""
    import datetime as dt

    from django.db.models import Max, Min
    from django.utils import timezone

    from rapport.customers.models import Contact, Customer, FollowUp
    from rapport.sales.models import Opportunity, Stage

    customers = Customer.objects.filter(archived_at__isnull=True)
    assert 250 <= customers.count() <= 350
    assert Contact.objects.count() >= customers.count()
    span = FollowUp.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert span["last"] - span["first"] >= dt.timedelta(days=150)
    assert span["last"] <= timezone.now()
    assert customers.filter(pool__isnull=False, owner__isnull=True).count() >= 10
    stages = set(Stage.objects.values_list("pk", flat=True))
    assert set(Opportunity.objects.values_list("stage_id", flat=True)) == stages
    today = timezone.localdate()
    assert customers.filter(contact_due_on__lt=today).exists()  # someone is overdue
    assert customers.filter(contact_due_on__gte=today).exists()
