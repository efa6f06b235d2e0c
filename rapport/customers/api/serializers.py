"""Serializers of the customer book API. Unknown fields are refused (StrictModelSerializer);
choices of related rows are limited to the caller's scope by the same selectors as the
pages; the rules themselves are the services'."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from rapport.core.api.serializers import StrictModelSerializer, StrictSerializer
from rapport.customers import selectors
from rapport.customers.api.dedupe import allow_duplicate_field
from rapport.customers.models import (
    Attachment,
    Contact,
    Customer,
    FollowUp,
    FollowUpNote,
    Tag,
)
from rapport.customers.normalize import display_phone
from rapport.customers.templatetags.customers_extras import due_state
from rapport.org.models import User

PHONE_MAX = 40


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class CustomerSerializer(StrictModelSerializer):
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", read_only=True)
    tag_names = serializers.SerializerMethodField()
    due_state = serializers.SerializerMethodField(
        help_text="overdue, today, soon (within a week) or empty."
    )
    in_pool = serializers.BooleanField(read_only=True)
    tags = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    annual_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )

    class Meta:
        model = Customer
        fields = [
            "id", "name", "short_name", "uscc", "industry", "region", "city", "address",
            "source", "status", "tier", "tier_locked", "tier_reason", "strategic", "owner",
            "owner_name", "team", "team_name", "pool", "in_pool", "tags", "tag_names",
            "annual_value", "currency", "notes", "last_follow_up_at", "next_follow_up_due",
            "contact_due_on", "due_state", "reclaim_on", "pool_entered_at", "pool_reason",
            "archived_at", "created_at", "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = [
            "owner", "team", "pool", "last_follow_up_at", "next_follow_up_due",
            "contact_due_on", "reclaim_on", "pool_entered_at", "pool_reason", "archived_at",
            "created_at", "updated_at", "version",
        ]  # fmt: skip

    def get_owner_name(self, obj) -> str | None:
        return obj.owner.display_name if obj.owner_id else None

    def get_tag_names(self, obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    def get_due_state(self, obj) -> str:
        return due_state(obj.contact_due_on)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance
        tier_by_hand = "tier" in attrs and (instance is None or attrs["tier"] != instance.tier)
        if tier_by_hand:
            # A tier picked by hand is an override the tier rules then leave alone.
            attrs["tier_locked"] = True
        reason = attrs.get("tier_reason") or (instance.tier_reason if instance else "")
        if attrs.get("tier_locked") and not reason:
            raise serializers.ValidationError(
                {"tier_reason": [_("Say why the tier is set by hand.")]}
            )
        return attrs


class CustomerCreateSerializer(CustomerSerializer):
    """On create the owner may be given (a lead for their team); later, ownership moves
    through the claim / assign / transfer / release actions. A likely duplicate is refused
    (409) unless `allow_duplicate` is true."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True
    )
    allow_duplicate = allow_duplicate_field()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "allow_duplicate"]
        read_only_fields = [f for f in CustomerSerializer.Meta.read_only_fields if f != "owner"]

    def get_fields(self):
        fields = super().get_fields()
        fields["owner"].queryset = selectors.assignable_owners(_user(self))
        return fields


class ContactSerializer(StrictModelSerializer):
    mobile = serializers.CharField(max_length=PHONE_MAX, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=PHONE_MAX, required=False, allow_blank=True)
    mobile_display = serializers.SerializerMethodField()
    phone_display = serializers.SerializerMethodField()
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "customer", "customer_name", "name", "title", "buying_role", "mobile",
            "mobile_display", "phone", "phone_display", "phone_ext", "email", "wechat",
            "birthday", "is_primary", "do_not_contact", "notes", "archived_at", "created_at",
            "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = ["archived_at", "created_at", "updated_at", "version"]

    def get_fields(self):
        fields = super().get_fields()
        fields["customer"].queryset = selectors.writable_customers(_user(self))
        return fields

    def get_mobile_display(self, obj) -> str:
        return display_phone(obj.mobile)

    def get_phone_display(self, obj) -> str:
        return display_phone(obj.phone)


class ContactCreateSerializer(ContactSerializer):
    """A contact whose phone or email is already in the book is refused (409) unless
    `allow_duplicate` is true."""

    allow_duplicate = allow_duplicate_field()

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "allow_duplicate"]


class FollowUpNoteSerializer(StrictModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = FollowUpNote
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = ["author", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "size", "content_type", "uploaded_by", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        path = reverse("customers:attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField()


class FollowUpSerializer(StrictModelSerializer):
    contacts = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), many=True, required=False
    )
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    notes = FollowUpNoteSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    editable_until = serializers.DateTimeField(read_only=True)
    checkin_lat = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-90), max_value=Decimal(90),
        required=False, allow_null=True,
    )  # fmt: skip
    checkin_lng = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-180), max_value=Decimal(180),
        required=False, allow_null=True,
    )  # fmt: skip

    class Meta:
        model = FollowUp
        fields = [
            "id", "customer", "customer_name", "author", "author_name", "kind", "occurred_at",
            "contacts", "summary", "outcome", "next_step", "next_date", "checkin_lat",
            "checkin_lng", "checkin_address", "checkin_at", "notes", "attachments",
            "editable_until", "archived_at", "created_at", "updated_at", "version",
        ]  # fmt: skip
        read_only_fields = [
            "author", "checkin_at", "archived_at", "created_at", "updated_at", "version",
        ]  # fmt: skip

    def get_fields(self):
        fields = super().get_fields()
        user = _user(self)
        fields["customer"].queryset = selectors.writable_customers(user)
        if user is not None:
            fields["contacts"].child_relation.queryset = Contact.objects.visible_to(user)
        return fields


class NoteCreateSerializer(StrictSerializer):
    text = serializers.CharField(max_length=2000)
