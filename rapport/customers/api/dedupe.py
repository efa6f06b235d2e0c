"""Duplicates in the API (issue #3 §6): `POST /customers/` and `POST /contacts/` refuse a
likely duplicate with 409 unless the body says `"allow_duplicate": true`, and
`GET /customers/duplicates/?name=&uscc=&phone=&email=` looks one up.

Both answer the same match shape, scoped like the pages: a match the caller may see gives
its id, name and owner; one they may not gives only why it matched and who owns it, and is
counted in `hidden_count`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rapport.core.api.errors import error_body
from rapport.customers.dedupe import (
    REASONS,
    DuplicateFound,
    DuplicateMatch,
    find_duplicates,
    may_check,
)

LOOKUP_LIMIT = 50

ALLOW_DUPLICATE_HELP = _(
    "Create the record even though it looks like one already in the book (same unified "
    "social credit code, company name, contact phone or email). Without it, a likely "
    "duplicate is refused with 409 and the matches."
)


def allow_duplicate_field() -> serializers.BooleanField:
    return serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=ALLOW_DUPLICATE_HELP
    )


class DuplicateMatchSerializer(serializers.Serializer):
    """A likely duplicate the caller may see."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    owner_name = serializers.CharField(
        allow_null=True, help_text=_("Null when it is in a public pool.")
    )
    team_name = serializers.CharField()
    in_pool = serializers.BooleanField()
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(REASONS)),
        help_text=_("What matched: uscc, name, phone or email (strongest first)."),
    )


class HiddenDuplicateMatchSerializer(serializers.Serializer):
    """A likely duplicate the caller may not see: no id, no name."""

    owner_name = serializers.CharField(allow_null=True)
    team_name = serializers.CharField()
    in_pool = serializers.BooleanField()
    fields = serializers.ListField(child=serializers.ChoiceField(choices=list(REASONS)))
    message = serializers.CharField(help_text=_("The sentence the pages show for it."))


class DuplicateResultSerializer(serializers.Serializer):
    matches = DuplicateMatchSerializer(many=True)
    hidden_count = serializers.IntegerField(
        help_text=_("How many matches are out of the caller's scope.")
    )
    hidden_matches = HiddenDuplicateMatchSerializer(many=True)


class DuplicateConflictSerializer(DuplicateResultSerializer):
    """The API's error shape, with the matches (409)."""

    code = serializers.CharField(help_text='Always "duplicate".')
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class DuplicateLookupSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("Company name")
    )
    uscc = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text=_("Unified social credit code"),
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("Phone, in any spelling")
    )
    email = serializers.CharField(
        required=False, allow_blank=True, max_length=254, help_text=_("Email, in any case")
    )

    def validate(self, attrs):
        if not any(attrs.values()):
            raise serializers.ValidationError(
                gettext("Give at least one of name, uscc, phone or email.")
            )
        return attrs


def match_payload(matches: list[DuplicateMatch]) -> dict:
    visible = [match for match in matches if match.visible]
    hidden = [match for match in matches if not match.visible]
    return {
        "matches": [
            {
                "id": match.customer_id,
                "name": match.customer.name,
                "owner_name": match.owner_label or None,
                "team_name": match.team_label,
                "in_pool": match.in_pool,
                "fields": match.reasons,
            }
            for match in visible
        ],
        "hidden_count": len(hidden),
        "hidden_matches": [
            {
                "owner_name": match.owner_label or None,
                "team_name": match.team_label,
                "in_pool": match.in_pool,
                "fields": match.reasons,
                "message": match.notice,
            }
            for match in hidden
        ],
    }


def refuse_duplicates(
    *, user, data: dict, finder: Callable[..., list[DuplicateMatch]]
) -> dict[str, Any]:
    """The validated data without `allow_duplicate`. Unless that was true, raises
    DuplicateFound when `finder` (`dedupe.customer_duplicates` or `contact_duplicates`)
    finds matches; called before the service writes anything."""
    data = dict(data)
    if not data.pop("allow_duplicate", False):
        matches = finder(user=user, data=data)
        if matches:
            raise DuplicateFound(matches)
    return data


class RefuseDuplicatesMixin:
    """`create` answers 409 with the matches when `create_object` raises DuplicateFound.
    The viewset documents the responses (`duplicate_create_schema`)."""

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except DuplicateFound as found:
            message = gettext(
                "This looks like a record that is already in the book. Send "
                "“allow_duplicate”: true to create it all the same."
            )
            body = error_body("duplicate", message, **match_payload(found.matches))
            return Response(body, status=status.HTTP_409_CONFLICT)


def duplicate_create_schema(created: type[serializers.Serializer], description: str):
    return extend_schema(
        description=description, responses={201: created, 409: DuplicateConflictSerializer}
    )


class DuplicateLookupMixin:
    """GET /customers/duplicates/: who already has this customer, in any team."""

    @extend_schema(
        parameters=[DuplicateLookupSerializer],
        responses=DuplicateResultSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        url_path="duplicates",
    )
    def duplicates(self, request):
        """Customers that look like the one described (USCC, company name in any spelling,
        a contact's phone or email), at most 50, strongest match first; those out of the
        caller's scope only as a count and their owner. For those who may add customers."""
        if not may_check(request.user):
            raise PermissionDenied()
        query = DuplicateLookupSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = find_duplicates(
            user=request.user,
            name=data.get("name", ""),
            uscc=data.get("uscc", ""),
            phones=[data["phone"]] if data.get("phone") else [],
            emails=[data["email"]] if data.get("email") else [],
            limit=LOOKUP_LIMIT,
        )
        return Response(match_payload(matches))
