"""API of the customer book: customers, contacts, follow-ups (with notes and files).

Scope, ETag/If-Match, history and the error shape come from the core viewsets; every
write calls the same service as the pages. Pool and merge verbs are mixed in from
`pool_actions` and `merge_actions`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from rapport.core.api.pagination import DeepPagination
from rapport.core.api.viewsets import ArchiveActionMixin, ScopedModelViewSet
from rapport.customers import dedupe, selectors
from rapport.customers.api import serializers as s
from rapport.customers.api.dedupe import (
    DuplicateLookupMixin,
    RefuseDuplicatesMixin,
    duplicate_create_schema,
    refuse_duplicates,
)
from rapport.customers.api.merge_actions import MergeActionMixin
from rapport.customers.api.pool_actions import PoolActionsMixin
from rapport.customers.filters import ContactFilter, CustomerFilter, FollowUpFilter
from rapport.customers.models import Contact, Customer, FollowUp, FollowUpNote
from rapport.customers.services import contacts as contact_services
from rapport.customers.services import customers as customer_services
from rapport.customers.services import followups as followup_services


class BookViewSet(ArchiveActionMixin, ScopedModelViewSet):
    # Sorting is the FilterSet's `sort`, shared with the pages: no second ordering syntax.
    filter_backends = [DjangoFilterBackend]
    pagination_class = DeepPagination


@extend_schema_view(
    create=duplicate_create_schema(
        s.CustomerSerializer,
        "Add a customer. One that looks like a customer already in the book (same unified "
        "social credit code or company name in any spelling) is refused with 409 and the "
        "matches, unless `allow_duplicate` is true.",
    )
)
class CustomerViewSet(
    RefuseDuplicatesMixin, DuplicateLookupMixin, PoolActionsMixin, MergeActionMixin, BookViewSet
):
    """Customers in the caller's scope. `?sort=` name, -last_follow_up, due, -annual_value,
    -created. Ownership moves are the claim / release / assign / transfer actions."""

    model = Customer
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter
    select_related = ("owner", "team", "pool")
    prefetch_related = ("tags",)

    def get_serializer_class(self):
        if self.action == "create":
            return s.CustomerCreateSerializer
        return super().get_serializer_class()

    def create_object(self, *, actor, data):
        data = refuse_duplicates(user=actor, data=data, finder=dedupe.customer_duplicates)
        tags = data.pop("tags", None)
        if not data.get("owner"):
            data.pop("owner", None)
        return customer_services.customer_create(actor=actor, data=data, tags=tags)

    def update_object(self, *, actor, obj, data, expected_version):
        data = dict(data)
        tags = data.pop("tags", None)
        return customer_services.customer_update(
            actor=actor, customer=obj, data=data, expected_version=expected_version, tags=tags
        )


@extend_schema_view(
    create=duplicate_create_schema(
        s.ContactSerializer,
        "Add a contact. Phones are accepted in any common spelling and stored as E.164. A "
        "phone or email already in the book is refused with 409 and the customers that have "
        "it, unless `allow_duplicate` is true.",
    )
)
class ContactViewSet(RefuseDuplicatesMixin, BookViewSet):
    """Contacts of the customers in the caller's scope. Phones are accepted in any common
    spelling and stored as E.164."""

    model = Contact
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilter
    select_related = ("customer",)

    def get_serializer_class(self):
        if self.action == "create":
            return s.ContactCreateSerializer
        return super().get_serializer_class()

    def create_object(self, *, actor, data):
        data = refuse_duplicates(user=actor, data=data, finder=dedupe.contact_duplicates)
        return contact_services.contact_create(actor=actor, data=data)

    def update_object(self, *, actor, obj, data, expected_version):
        return contact_services.contact_update(
            actor=actor, contact=obj, data=data, expected_version=expected_version
        )


class FollowUpViewSet(BookViewSet):
    """Follow-ups. Editable by their author for 24 hours; after that, add notes."""

    model = FollowUp
    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilter
    select_related = ("customer", "author")

    def get_queryset(self):
        return selectors.follow_ups_queryset(self.request.user).order_by("-occurred_at", "-id")

    def create_object(self, *, actor, data):
        data = dict(data)
        contacts = data.pop("contacts", [])
        return followup_services.followup_create(actor=actor, data=data, contacts=contacts)

    def update_object(self, *, actor, obj, data, expected_version):
        data = dict(data)
        contacts = data.pop("contacts", None)
        return followup_services.followup_update(
            actor=actor,
            follow_up=obj,
            data=data,
            contacts=contacts,
            expected_version=expected_version,
        )

    def _notable(self) -> FollowUp:
        """The follow-up (404 out of scope); 403 unless the caller may log on its customer."""
        follow_up = self.get_object()
        customer_ok = selectors.writable_customers(self.request.user)
        if not customer_ok.filter(pk=follow_up.customer_id).exists():
            raise PermissionDenied()
        return follow_up

    @extend_schema(methods=["GET"], request=None, responses=s.FollowUpNoteSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.NoteCreateSerializer,
        responses={201: s.FollowUpNoteSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request, pk=None):
        """The notes of a follow-up (GET), or add one (POST): corrections after 24 hours."""
        if request.method == "GET":
            follow_up = self.get_object()
            notes = FollowUpNote.objects.visible_to(request.user).filter(follow_up=follow_up)
            data = s.FollowUpNoteSerializer(notes.select_related("author"), many=True).data
            return Response(data)
        follow_up = self._notable()
        body = s.NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = followup_services.followup_add_note(
            actor=request.user, follow_up=follow_up, text=body.validated_data["text"]
        )
        return Response(s.FollowUpNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """Attach a file (multipart field `file`); size and type are checked."""
        follow_up = self._notable()
        body = s.AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            attachment = followup_services.attachment_add(
                actor=request.user, follow_up=follow_up, upload=body.validated_data["file"]
            )
        except DjangoPermissionDenied:
            raise PermissionDenied() from None
        context = self.get_serializer_context()
        return Response(
            s.AttachmentSerializer(attachment, context=context).data,
            status=status.HTTP_201_CREATED,
        )
