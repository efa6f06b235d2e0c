"""API shapes of opportunities and pipelines. Writes refuse unknown fields."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rapport.core.api.serializers import StrictModelSerializer, StrictSerializer
from rapport.sales.models import Opportunity, Pipeline, Stage, StageChange

User = get_user_model()


class StageSerializer(StrictModelSerializer):
    id = serializers.IntegerField(required=False)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "name", "english_name", "label", "position", "probability", "outcome"]
        read_only_fields = ["position"]
        # Names are unique per pipeline: the service checks that, not a per-row validator.
        validators: list = []


class PipelineSerializer(StrictModelSerializer):
    stages = StageSerializer(many=True, required=False)

    class Meta:
        model = Pipeline
        fields = [
            "id",
            "name",
            "is_default",
            "stages",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at", "version"]
        validators: list = []

    def validate_stages(self, value):
        if len(value) > 30:
            raise serializers.ValidationError(_("A pipeline has at most 30 stages."))
        return value


class OpportunitySerializer(StrictModelSerializer):
    """Read shape, and the body of create (customer, name, amount …) and update."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    stage_name = serializers.CharField(source="stage.label", read_only=True)
    probability = serializers.DecimalField(
        source="stage.probability", max_digits=5, decimal_places=2, read_only=True
    )
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "customer",
            "customer_name",
            "name",
            "amount",
            "currency",
            "owner",
            "owner_name",
            "team",
            "pipeline",
            "stage",
            "stage_name",
            "probability",
            "stage_entered_at",
            "expected_close",
            "closed_at",
            "close_reason",
            "notes",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            "team",
            "stage",
            "stage_entered_at",
            "closed_at",
            "archived_at",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"owner": {"required": False}, "pipeline": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from rapport.customers.models import Customer
            from rapport.sales.selectors import visible_pipelines

            fields["customer"].queryset = Customer.objects.editable_by(user)
            fields["owner"].queryset = User.objects.visible_to(user).filter(is_active=True)
            fields["pipeline"].queryset = visible_pipelines(user)
        if self.instance is not None and not isinstance(self.instance, list):
            # The customer and pipeline are fixed once the opportunity exists.
            fields["customer"].read_only = True
            fields["pipeline"].read_only = True
        return fields


class MoveSerializer(StrictSerializer):
    stage = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StageChangeSerializer(serializers.ModelSerializer):
    from_stage_name = serializers.CharField(
        source="from_stage.label", read_only=True, allow_null=True
    )
    to_stage_name = serializers.CharField(source="to_stage.label", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True)

    class Meta:
        model = StageChange
        fields = [
            "id",
            "from_stage",
            "from_stage_name",
            "to_stage",
            "to_stage_name",
            "actor",
            "actor_name",
            "changed_at",
            "seconds_in_previous",
        ]
        read_only_fields = fields


class ReorderSerializer(StrictSerializer):
    stages = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=30)
