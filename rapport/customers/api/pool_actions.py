"""Customer API actions of the public pool: claim, release, assign, transfer.

`CustomerViewSet` mixes this in. Each action reads the customer through the scoped
queryset (404 out of scope), validates a small input body and calls one service of
`customers.services.pool`; a rule that refuses answers 400 with `rule` naming it
(holding_cap, daily_cap, cooldown, not_member, out_of_scope, taken, …).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.core.api.serializers import StrictSerializer
from rapport.customers.api.serializers import CustomerSerializer
from rapport.customers.services import pool as pool_services
from rapport.customers.services.pool import MoveRefused
from rapport.org.models import User


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=pool_services.REASON_MAX, help_text=_lazy("Why the customer moves.")
    )


class HandOverSerializer(ReasonSerializer):
    to_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), help_text=_lazy("The colleague who gets the customer.")
    )

    def get_fields(self):
        from rapport.customers.selectors import assignable_owners

        fields = super().get_fields()
        request = self.context.get("request")
        fields["to_owner"].queryset = assignable_owners(getattr(request, "user", None))
        return fields


REFUSED = OpenApiResponse(
    response=inline_serializer(
        "MoveRefused",
        {
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "errors": serializers.DictField(),
            "rule": serializers.CharField(),
        },
    ),
    description="A pool rule refused the move; `rule` names it.",
)


class PoolActionsMixin:
    """POST /customers/{id}/claim/, /release/, /assign/, /transfer/."""

    def _move(self, request, call):
        try:
            customer = call()
        except MoveRefused as error:
            field = error.field or "non_field_errors"
            body = {
                "code": "refused",
                "message": error.text,
                "errors": {field: [error.text]},
                "rule": error.rule,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        visible = self.get_queryset().filter(pk=customer.pk).first()
        if visible is None:  # moved out of the caller's sight (a pool they do not work)
            return Response({"id": customer.pk}, status=status.HTTP_200_OK)
        data = self.serializer_class(visible, context=self.get_serializer_context()).data
        return self._with_etag(Response(data), visible)

    def _body(self, request, serializer_class):
        body = serializer_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=None, responses={200: CustomerSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Claim a customer of a pool you work, within the pool's caps and cooldown."""
        customer = self.get_object()
        return self._move(
            request, lambda: pool_services.customer_claim(actor=request.user, customer=customer)
        )

    @extend_schema(request=ReasonSerializer, responses={200: CustomerSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Give a customer back to its team's pool, with a reason."""
        customer = self.get_object()
        data = self._body(request, ReasonSerializer)
        return self._move(
            request,
            lambda: pool_services.customer_release(
                actor=request.user, customer=customer, reason=data["reason"]
            ),
        )

    @extend_schema(request=HandOverSerializer, responses={200: CustomerSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """A lead gives a customer (from a pool or their teams) to someone they lead."""
        customer = self.get_object()
        data = self._body(request, HandOverSerializer)
        return self._move(
            request,
            lambda: pool_services.customer_assign(
                actor=request.user,
                customer=customer,
                to_owner=data["to_owner"],
                reason=data["reason"],
            ),
        )

    @extend_schema(request=HandOverSerializer, responses={200: CustomerSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """A lead moves an owned customer to another account manager they lead."""
        customer = self.get_object()
        data = self._body(request, HandOverSerializer)
        return self._move(
            request,
            lambda: pool_services.customer_transfer(
                actor=request.user,
                customer=customer,
                to_owner=data["to_owner"],
                reason=data["reason"],
            ),
        )
