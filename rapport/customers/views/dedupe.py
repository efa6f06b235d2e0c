"""Duplicate pages: the live warning of the customer form, the "create anyway" step of
the customer and contact forms, the lookup tool, and merging two customers (issue #3 §6).
Matching and merging live in `dedupe` and `services.merge`."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.core.errors import StaleObjectError
from rapport.customers.dedupe import DuplicateMatch, find_duplicates, may_check
from rapport.customers.models import Customer
from rapport.customers.services.merge import (
    LOSER,
    WINNER,
    customer_merge,
    merge_differences,
    merged_into,
)
from rapport.search.selectors import matching, parse_query


def _may_check(user) -> None:
    """Who may ask: those who may add customers (the answer names owners and teams)."""
    if not may_check(user):
        raise PermissionDenied


class ConfirmDuplicatesMixin:
    """For the create and edit views of customers and contacts: a save that looks like a
    record already in the book is not written; the form comes back (409) with the matches,
    as far as the user may see them, and a "create anyway" box to tick (no JavaScript
    needed). An edit is checked only when one of `duplicate_fields` changed, and never
    matches the record itself.

    The form declares `allow_duplicate` (`forms.allow_duplicate_field()`); the view sets
    `duplicate_fields` and `duplicate_finder` (`staticmethod(dedupe.customer_duplicates)`
    or `staticmethod(dedupe.contact_duplicates)`)."""

    duplicate_fields: tuple[str, ...] = ()
    duplicate_finder: Callable[..., list[DuplicateMatch]]
    duplicate_heading = _("This customer may already exist:")
    duplicate_matches: list[DuplicateMatch] | None = None

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if form.is_bound and forms.CheckboxInput().value_from_datadict(
            form.data, form.files, form.add_prefix("allow_duplicate")
        ):
            self._show_confirmation(form)  # keep a ticked box in sight on other errors
        return form

    def _show_confirmation(self, form) -> None:
        field = form.fields["allow_duplicate"]
        field.widget = forms.CheckboxInput()
        field.label = _("Save anyway") if form.instance.pk else _("Create anyway")
        field.help_text = _("I checked the possible duplicates shown above.")

    def form_valid(self, form):
        editing = form.instance.pk is not None
        relevant = not editing or any(name in form.changed_data for name in self.duplicate_fields)
        if relevant and not form.cleaned_data.get("allow_duplicate"):
            matches = self.duplicate_finder(
                user=self.request.user,
                data=form.cleaned_data,
                instance=form.instance if editing else None,
            )
            if matches:
                self.duplicate_matches = matches
                self._show_confirmation(form)
                form.add_error(
                    None,
                    gettext(
                        "This looks like a record that is already in the book. Check the "
                        "matches above; to save it all the same, tick the box below and "
                        "save again."
                    ),
                )
                response = self.form_invalid(form)
                response.status_code = 409
                return response
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["duplicate_matches"] = self.duplicate_matches
        context["duplicate_heading"] = self.duplicate_heading
        return context


def _exclude_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@require_GET
@login_required
def duplicate_check(request):
    """The warning fragment of the customer form (htmx): matches on name and USCC."""
    _may_check(request.user)
    matches = find_duplicates(
        user=request.user,
        name=request.GET.get("name", "")[:200],
        uscc=request.GET.get("uscc", "")[:40],
        exclude_id=_exclude_id(request.GET.get("exclude")),
    )
    return render(request, "customers/dedupe_warning.html", {"matches": matches, "compact": True})


class LookupForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)


@require_GET
@login_required
def duplicate_lookup(request):
    """Type a name, USCC, phone or email and see who already has that customer."""
    _may_check(request.user)
    form = LookupForm(request.GET or None)
    matches, asked = [], False
    if form.is_valid() and any(form.cleaned_data.values()):
        asked = True
        data = form.cleaned_data
        matches = find_duplicates(
            user=request.user,
            name=data["name"],
            uscc=data["uscc"],
            phones=[data["phone"]] if data["phone"] else [],
            emails=[data["email"]] if data["email"] else [],
            limit=50,
        )
    return render(
        request,
        "customers/dedupe_lookup.html",
        {"form": form, "matches": matches, "asked": asked},
    )


def _editable_customer(user, pk) -> Customer:
    """404 out of scope (or archived), 403 when the user may only read it."""
    customer = get_object_or_404(
        Customer.objects.visible_to(user).filter(archived_at__isnull=True), pk=pk
    )
    if not Customer.objects.editable_by(user).filter(pk=customer.pk).exists():
        raise PermissionDenied
    return customer


class MergeForm(forms.Form):
    """The loser, both versions (stale → 409), and a winner/loser choice per differing field."""

    other = forms.IntegerField(widget=forms.HiddenInput)
    winner_version = forms.IntegerField(widget=forms.HiddenInput)
    loser_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, differences: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.differences = differences
        for row in differences:
            self.fields[f"pick_{row['name']}"] = forms.ChoiceField(
                label=row["label"],
                choices=[(WINNER, row["winner"]), (LOSER, row["loser"])],
                initial=row["default"],
                widget=forms.RadioSelect,
            )

    def field_choices(self) -> dict[str, str]:
        return {row["name"]: self.cleaned_data[f"pick_{row['name']}"] for row in self.differences}

    def rows(self):
        return [(row, self[f"pick_{row['name']}"]) for row in self.differences]


def _candidates(user, customer: Customer, q: str) -> list[Customer]:
    """Customers this one could be merged with: the likely duplicates first, or what the
    user searched for; only customers they may edit."""
    editable = Customer.objects.editable_by(user).filter(archived_at__isnull=True)
    query = parse_query(q)
    if query.terms:
        found = matching(editable, query)
    else:
        phones = customer.contacts.exclude(mobile="").values_list("mobile", flat=True)[:20]
        ids = [
            match.customer_id
            for match in find_duplicates(
                user=user,
                name=customer.name,
                uscc=customer.uscc,
                phones=list(phones),
                exclude_id=customer.pk,
                limit=20,
            )
            if match.visible
        ]
        found = editable.filter(pk__in=ids)
    return list(found.exclude(pk=customer.pk).select_related("owner", "team").order_by("name")[:20])


@require_http_methods(["GET", "POST"])
@login_required
def customer_merge_view(request, pk):
    """Merge another customer into this one: pick it, choose each field, confirm."""
    winner = _editable_customer(request.user, pk)
    other_id = request.POST.get("other") or request.GET.get("other")
    if not (other_id and str(other_id).isdigit()):
        q = request.GET.get("q", "")[:100]
        context = {"customer": winner, "q": q, "candidates": _candidates(request.user, winner, q)}
        return render(request, "customers/merge_pick.html", context)
    loser = _editable_customer(request.user, int(other_id))
    if loser.pk == winner.pk:
        messages.error(request, gettext("A customer cannot be merged with itself."))
        return redirect("customers:customer-merge", pk=winner.pk)
    differences = merge_differences(winner, loser)
    initial = {"other": loser.pk, "winner_version": winner.version, "loser_version": loser.version}
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        differences=differences,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            status = _merge(request, form, winner, loser)
            if status == 302:
                messages.success(
                    request,
                    gettext("“%(loser)s” was merged into this customer.") % {"loser": loser.name},
                )
                return redirect(winner.get_absolute_url())
    context = {
        "customer": winner,
        "other": loser,
        "form": form,
        "moving": _moving(loser),
        "stale": status == 409,
    }
    return render(request, "customers/merge_confirm.html", context, status=status)


def _merge(request, form: MergeForm, winner: Customer, loser: Customer) -> int:
    """Run the merge; errors go onto the form. Returns the HTTP status to answer."""
    try:
        customer_merge(
            actor=request.user,
            winner=winner,
            loser=loser,
            fields=form.field_choices(),
            winner_version=form.cleaned_data["winner_version"],
            loser_version=form.cleaned_data["loser_version"],
        )
    except StaleObjectError:
        form.add_error(
            None,
            gettext(
                "One of the two customers was changed since you opened this page. "
                "Check the values again and confirm."
            ),
        )
        return 409
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return 400
    return 302


def _moving(loser: Customer) -> dict[str, int]:
    """How many records will move over, for the confirmation."""
    return {
        "contacts": loser.contacts.filter(archived_at__isnull=True).count(),
        "follow_ups": loser.follow_ups.count(),
        "opportunities": loser.opportunities.count(),
    }


@require_GET
@login_required
def customer_merged_into(request, pk):
    """The notice on an archived customer's page saying which customer it was merged
    into (a link only if the reader may see that one)."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    target_id = merged_into(customer)
    target = (
        Customer.objects.visible_to(request.user).filter(pk=target_id).first()
        if target_id
        else None
    )
    context = {"customer": customer, "target_id": target_id, "target": target}
    return render(request, "customers/merge_notice.html", context)
