"""API shapes of goals and KPIs. Writes refuse unknown fields."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rapport.core.api.serializers import StrictModelSerializer, StrictSerializer
from rapport.goals import catalog
from rapport.goals.models import CheckIn, Goal, KeyResult


class MetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    definition = serializers.CharField()
    summable = serializers.BooleanField()
    inputs = serializers.ListField(child=serializers.CharField())


class FigureSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.key")
    value = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    through = serializers.DateField(allow_null=True, help_text=_("The last snapshot day included."))
    live_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When today's part was computed.")
    )
    volume = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)


class PaceSerializer(serializers.Serializer):
    actual = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=24, decimal_places=4)
    expected = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    attainment = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    forecast = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    status = serializers.CharField()
    fraction = serializers.FloatField()
    shape = serializers.CharField()


class ScopedChoicesMixin:
    """Related fields offer only rows the requester may see, so an id out of scope reads
    as one that does not exist (DESIGN §5), never as "not yours"."""

    scoped_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return
        from django.apps import apps

        for name, label in self.scoped_fields.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only and hasattr(field, "queryset"):
                field.queryset = apps.get_model(label).objects.visible_to(user)


class KeyResultSerializer(ScopedChoicesMixin, StrictModelSerializer):
    scoped_fields = {"goal": "goals.Goal"}
    pace = serializers.SerializerMethodField()

    class Meta:
        model = KeyResult
        fields = [
            "id", "goal", "title", "metric", "target", "start_value", "unit_label",
            "current_value", "confidence", "parent", "position", "pace", "version",
        ]  # fmt: skip
        read_only_fields = ["current_value", "confidence", "parent", "version"]

    def validate_metric(self, value):
        if value and catalog.get(value) is None:
            raise serializers.ValidationError(_("Choose a metric from the catalog."))
        return value

    def get_pace(self, obj) -> dict | None:
        progress = self.context.get("progress", {}).get(obj.pk)
        return PaceSerializer(progress.pace).data if progress else None


class GoalSerializer(ScopedChoicesMixin, StrictModelSerializer):
    scoped_fields = {"parent": "goals.Goal", "owner_team": "org.Team", "owner_user": "org.User"}
    key_results = serializers.SerializerMethodField()
    period_code = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = [
            "id", "title", "description", "owner_kind", "owner_team", "owner_user",
            "period_kind", "period_start", "period_end", "period_code", "parent", "top_level",
            "status", "review_comment", "published_at", "archived_at", "created_at",
            "updated_at", "version", "key_results",
        ]  # fmt: skip
        read_only_fields = [
            "period_end", "status", "review_comment", "published_at", "archived_at",
            "created_at", "updated_at", "version",
        ]  # fmt: skip

    def get_period_code(self, obj) -> str:
        fiscal = self.context.get("fiscal_start")
        return obj.period_in(fiscal).code if fiscal else obj.period.code

    def get_key_results(self, obj) -> list[dict]:
        krs = [kr for kr in self.context.get("key_results", []) if kr.goal_id == obj.pk]
        return KeyResultSerializer(krs, many=True, context=self.context).data


class GoalUpdateSerializer(GoalSerializer):
    class Meta(GoalSerializer.Meta):
        read_only_fields = [
            *GoalSerializer.Meta.read_only_fields,
            "owner_kind",
            "owner_team",
            "owner_user",
        ]


class KeyResultInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    metric = serializers.CharField(max_length=64, required=False, allow_blank=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=4, min_value=0)
    start_value = serializers.DecimalField(max_digits=20, decimal_places=4, required=False)
    unit_label = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate_metric(self, value):
        if value and catalog.get(value) is None:
            raise serializers.ValidationError(_("Choose a metric from the catalog."))
        return value


class GoalCreateSerializer(GoalSerializer):
    key_results_input = KeyResultInputSerializer(many=True, required=False, write_only=True)

    class Meta(GoalSerializer.Meta):
        fields = [*GoalSerializer.Meta.fields, "key_results_input"]


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=1000)


class ShareSerializer(StrictSerializer):
    user = serializers.IntegerField(required=False)
    team = serializers.IntegerField(required=False)
    target = serializers.DecimalField(max_digits=20, decimal_places=4, min_value=0)

    def validate(self, attrs):
        if bool(attrs.get("user")) == bool(attrs.get("team")):
            raise serializers.ValidationError(_("Give either a user or a team for each share."))
        return attrs


class SplitSerializer(StrictSerializer):
    shares = ShareSerializer(many=True)


class CheckInSerializer(ScopedChoicesMixin, StrictModelSerializer):
    scoped_fields = {"key_result": "goals.KeyResult"}

    class Meta:
        model = CheckIn
        fields = ["id", "key_result", "author", "value", "comment", "confidence", "created_at"]
        read_only_fields = ["author", "created_at"]


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    volume = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    is_viewer = serializers.BooleanField()


class CellSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)
    text = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class PanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    headers = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()
    chart = serializers.JSONField(allow_null=True)

    def get_headers(self, panel) -> list[str]:
        return [str(h) for h in panel.table.headers] if panel.table else []

    def get_rows(self, panel) -> list[list[dict]]:
        if not panel.table:
            return []
        return [CellSerializer(row, many=True).data for row in panel.table.rows]
