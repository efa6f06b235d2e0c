"""Customer API action `merge`: mixed into `CustomerViewSet`, calls `services.merge`.

POST /api/v1/customers/{id}/merge/ {"other": 12, "fields": {"name": "loser", ...},
"other_version": 3} merges customer 12 into {id}. Both must be editable (404 out of
scope, 403 read-only); If-Match on {id} and `other_version` refuse stale merges."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rapport.core import services as core
from rapport.customers.services.merge import LOSER, MERGE_FIELDS, WINNER, customer_merge


class MergeInputSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        min_value=1, help_text=_("The customer merged into this one; it is archived.")
    )
    fields = serializers.DictField(
        child=serializers.ChoiceField(choices=[WINNER, LOSER]),
        required=False,
        default=dict,
        help_text=_(
            "Which side's value each field takes: “winner” (this customer) or “loser” (the "
            "other). Fields not named keep this customer's value."
        ),
    )
    other_version = serializers.IntegerField(
        required=False, help_text=_("The other customer's version you read; stale → 409.")
    )

    def validate_fields(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(MERGE_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)[:200]}
            )
        return value


class MergeActionMixin:
    @extend_schema(request=MergeInputSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge another customer into this one (contacts, follow-ups and opportunities
        move here; the other is archived with a note)."""
        winner = self.get_editable_object()
        body = MergeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        loser = get_object_or_404(self.get_queryset(), pk=data["other"])
        if not self.model.objects.editable_by(request.user).filter(pk=loser.pk).exists():
            raise PermissionDenied()
        expected = winner.version
        obj = core.write_in_scope(
            request.user,
            lambda: customer_merge(
                actor=request.user,
                winner=winner,
                loser=loser,
                fields=data["fields"],
                winner_version=expected,
                loser_version=data.get("other_version"),
            ),
        )
        return self._with_etag(Response(self._read(obj)), obj)
