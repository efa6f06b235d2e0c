"""Follow-up pages: the list, one follow-up with its notes and files, logging one (also as
a quick form on the customer page and the list), editing within 24 hours, adding notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import services as core
from rapport.core import views as base
from rapport.core.errors import OutOfReachError
from rapport.core.pagination import DeferredJoinPaginator
from rapport.core.saved_views import SavedViewsMixin
from rapport.customers import selectors
from rapport.customers.filters import FollowUpFilter
from rapport.customers.forms import AttachmentForm, FollowUpForm, FollowUpNoteForm
from rapport.customers.models import Attachment, Customer, FollowUp
from rapport.customers.services import followups as services
from rapport.customers.views.customers import LiveByDefault


class FollowUpListView(SavedViewsMixin, LiveByDefault, base.ScopedListView):
    model = FollowUp
    filterset_class = FollowUpFilter
    paginate_by = 100
    paginator_class = DeferredJoinPaginator
    select_related = ("customer", "author")
    prefetch_related = ("contacts",)
    template_name = "customers/followup_list.html"
    saved_list_key = "follow-ups"


def _writable_customer(request, pk: int) -> Customer:
    """404 out of scope, 403 when the user may only read the customer."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    if not selectors.writable_customers(request.user).filter(pk=customer.pk).exists():
        raise PermissionDenied
    return customer


@login_required
def followup_create(request, pk: int):
    """Log a follow-up on customer `pk`. htmx GETs receive the bare form (the quick-log
    dialog of the list and the customer page); the form itself posts normally."""
    customer = _writable_customer(request, pk)
    form = FollowUpForm(
        request.POST or None, request.FILES or None, user=request.user, customer=customer
    )
    if request.method == "POST" and form.is_valid():
        data = form.changed_data_dict()
        data["customer"] = customer
        files = form.cleaned_data.get("attachments") or []
        contacts = list(form.cleaned_data.get("contacts") or [])
        try:
            core.write_in_scope(
                request.user,
                lambda: services.followup_create(
                    actor=request.user, data=data, contacts=contacts, files=files
                ),
            )
        except ValidationError as error:
            _form_errors(form, error)
        except OutOfReachError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Follow-up logged."))
            return redirect(_next_or(request, customer.get_absolute_url()))
    template = (
        "customers/_followup_form.html"
        if request.htmx and request.method == "GET"
        else "customers/followup_form.html"
    )
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "customer": customer, "next": request.GET.get("next", "")}
    return render(request, template, context, status=status)


def _next_or(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def followup_detail(request, pk: int):
    follow_up = get_object_or_404(selectors.follow_ups_queryset(request.user), pk=pk)
    can_edit = FollowUp.objects.editable_by(request.user).filter(pk=pk).exists()
    can_note = selectors.writable_customers(request.user).filter(pk=follow_up.customer_id).exists()
    context = {
        "object": follow_up,
        "follow_up": follow_up,
        "can_edit": can_edit,
        "can_note": can_note,
        "note_form": FollowUpNoteForm() if can_note else None,
        "attachment_form": AttachmentForm() if can_note else None,
    }
    return render(request, "customers/followup_detail.html", context)


class FollowUpUpdateView(base.ScopedUpdateView):
    """Only the author, within 24 hours (FollowUp.objects.editable_by); 403 after."""

    model = FollowUp
    form_class = FollowUpForm
    select_related = ("customer",)
    template_name = "customers/followup_form.html"
    contacts = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        self.contacts = list(form.cleaned_data.get("contacts") or [])
        return super().form_valid(form)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.followup_update(
            actor=actor,
            follow_up=obj,
            data=data,
            contacts=self.contacts,
            expected_version=expected_version,
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.object.customer}


def _notable(request, pk: int) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.visible_to(request.user), pk=pk)
    if not selectors.writable_customers(request.user).filter(pk=follow_up.customer_id).exists():
        raise PermissionDenied
    return follow_up


@login_required
@require_POST
def followup_note(request, pk: int):
    follow_up = _notable(request, pk)
    form = FollowUpNoteForm(request.POST)
    if form.is_valid():
        services.followup_add_note(
            actor=request.user, follow_up=follow_up, text=form.cleaned_data["text"]
        )
        messages.success(request, _("Note added."))
    else:
        for error in form.errors.get("text", []):
            messages.error(request, _("Note: %(error)s") % {"error": error})
    return HttpResponseRedirect(follow_up.get_absolute_url())


@login_required
@require_POST
def followup_attach(request, pk: int):
    follow_up = _notable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attachment_add(
                actor=request.user, follow_up=follow_up, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File attached."))
    return HttpResponseRedirect(follow_up.get_absolute_url())


@login_required
def attachment_download(request, pk: int):
    """The file, for anyone who may see its follow-up (404 for everyone else)."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = attachment.content_type.startswith("image/") or attachment.content_type.endswith("pdf")
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
