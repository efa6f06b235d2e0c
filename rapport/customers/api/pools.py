"""API of the public pools: list, read, create (admins) and change the rules (admins and
the pool's admin), and a dry run of the next reclaim."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from rapport.core.api.serializers import StrictModelSerializer
from rapport.core.api.viewsets import ArchiveActionMixin, ScopedModelViewSet
from rapport.customers.filters_pool import PoolFilter
from rapport.customers.models import Customer, Pool
from rapport.customers.services import pool as pool_services
from rapport.customers.services import schedule
from rapport.org.models import Team, User


class PoolSerializer(StrictModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(archived_at=None))
    admin = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Pool
        fields = [
            "id", "name", "team", "team_name", "admin", "members",
            "reclaim_days_a", "reclaim_days_b", "reclaim_days_c", "reclaim_days_d",
            "no_progress_days", "warn_days", "holding_cap", "daily_claim_cap",
            "cap_excludes_won", "cooldown_days", "archived_at", "created_at", "updated_at",
            "version",
        ]  # fmt: skip
        read_only_fields = ["archived_at", "created_at", "updated_at", "version"]

    def validate_team(self, team):
        """Only admins move a pool to another team (a pool admin edits its rules)."""
        from django.utils.translation import gettext as _

        from rapport.org.scope import scope_for

        request = self.context.get("request")
        moved = self.instance is not None and self.instance.team_id != team.pk
        if moved and not scope_for(getattr(request, "user", None)).is_admin:
            raise serializers.ValidationError(_("Only an admin may move a pool to another team."))
        return team


class ReclaimPreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.IntegerField(allow_null=True)
    reclaim_on = serializers.DateField()
    rule = serializers.CharField()
    rule_text = serializers.CharField()


def preview_rows(pool: Pool, user) -> list[dict]:
    """What the next reclaim run would move into `pool`, limited to what `user` sees."""
    pools = pool_services.pool_map()
    due = [
        (customer, rule)
        for customer, rule in pool_services.pool_reclaim(dry_run=True)
        if pools.get(customer.team_id) and pools[customer.team_id].pk == pool.pk
    ]
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[customer.pk for customer, _rule in due])
        .values_list("pk", flat=True)
    )
    return [
        {
            "id": customer.pk,
            "name": customer.name,
            "owner": customer.owner_id,
            "reclaim_on": customer.reclaim_on,
            "rule": rule,
            "rule_text": schedule.describe_rule(rule),
        }
        for customer, rule in due
        if customer.pk in visible
    ]


class PoolViewSet(ArchiveActionMixin, ScopedModelViewSet):
    """Public pools the caller works or leads. Changing a rule recomputes every reclaim
    date in a job."""

    model = Pool
    serializer_class = PoolSerializer
    filterset_class = PoolFilter
    select_related = ("team", "admin")
    prefetch_related = ("members",)

    def create_object(self, *, actor, data):
        data = dict(data)
        members = data.pop("members", ())
        return pool_services.pool_create(actor=actor, data=data, members=members)

    def update_object(self, *, actor, obj, data, expected_version):
        data = dict(data)
        members = data.pop("members", None)
        return pool_services.pool_update(
            actor=actor, pool=obj, data=data, expected_version=expected_version, members=members
        )

    @extend_schema(request=None, responses=ReclaimPreviewSerializer(many=True))
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """Dry run: the customers the next reclaim would move into this pool, and why."""
        pool = self.get_object()
        rows = preview_rows(pool, request.user)
        page = self.paginate_queryset(rows)
        data = ReclaimPreviewSerializer(page, many=True).data
        return self.get_paginated_response(data)
