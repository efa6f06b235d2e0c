"""Forms of the customer book. Choices are limited to the user's scope by selectors; the
rules themselves (status moves, phones, the 24-hour window) live in the services."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.views import VersionedModelForm
from rapport.customers import selectors
from rapport.customers.models import Contact, Customer, FollowUp, Tag

PHONE_MAX = 40  # what people type ("(010) 6552-9988 转 123") is longer than E.164


def allow_duplicate_field() -> forms.BooleanField:
    """The "create anyway" confirmation of a likely duplicate: hidden until the view has
    shown the matches (views.dedupe.ConfirmDuplicatesMixin); not a model field."""
    return forms.BooleanField(required=False, widget=forms.HiddenInput, label=_("Create anyway"))


class CustomerForm(VersionedModelForm):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("Tags"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    allow_duplicate = allow_duplicate_field()

    class Meta:
        model = Customer
        fields = [
            "name", "short_name", "uscc", "industry", "region", "city", "address", "source",
            "status", "tier", "tier_reason", "strategic", "annual_value", "currency", "notes",
        ]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["tier_reason"].help_text = _(
            "Needed when you set the tier by hand: the tier rules then leave it alone."
        )
        self.fields["annual_value"].min_value = 0
        self.fields["annual_value"].validators.append(MinValueValidator(0))
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = list(self.instance.tags.values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        initial_tier = self.instance.tier if self.instance.pk else None
        # A tier picked by hand (a change on edit, or anything but the default on create)
        # is an override: it needs a reason and is then kept by the tier rules.
        by_hand = tier and (
            tier != initial_tier
            if self.instance.pk
            else tier != Customer._meta.get_field("tier").default
        )
        if by_hand or (self.instance.pk and self.instance.tier_locked):
            cleaned["tier_locked"] = True
            if not cleaned.get("tier_reason") and not self.instance.tier_reason:
                self.add_error("tier_reason", _("Say why the tier is set by hand."))
        return cleaned

    def changed_data_dict(self):
        data = super().changed_data_dict()
        if self.cleaned_data.get("tier_locked"):
            data["tier_locked"] = True
        return data


class CustomerCreateForm(CustomerForm):
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Owner"),
        help_text=_("Leave empty to own it yourself."),
    )

    class Meta(CustomerForm.Meta):
        fields = [*CustomerForm.Meta.fields, "owner"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["owner"].queryset = selectors.assignable_owners(user)


class PhoneFieldsMixin:
    """People type phones longer than the stored E.164: the service parses them."""

    def widen_phones(self):
        for name in ("mobile", "phone"):
            self.fields[name].max_length = PHONE_MAX
            self.fields[name].widget.attrs.update(
                {"maxlength": PHONE_MAX, "inputmode": "tel", "autocomplete": "tel"}
            )
            self.fields[name].validators = []


class ContactForm(PhoneFieldsMixin, VersionedModelForm):
    allow_duplicate = allow_duplicate_field()

    class Meta:
        model = Contact
        fields = [
            "customer", "name", "title", "buying_role", "mobile", "phone", "phone_ext", "email",
            "wechat", "birthday", "is_primary", "do_not_contact", "notes",
        ]  # fmt: skip
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.widen_phones()
        if self.instance.pk:
            # A contact stays with its customer.
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = selectors.writable_customers(user)

    def _post_clean(self):
        # The model's own max_length would refuse a typed phone before the service parses
        # it to E.164; the service validates and stores it.
        typed = {name: self.cleaned_data.get(name) for name in ("mobile", "phone")}
        for name in typed:
            self.cleaned_data[name] = ""
        super()._post_clean()
        self.cleaned_data.update(typed)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class FollowUpForm(VersionedModelForm):
    """Log (or, within 24 hours, correct) a follow-up. The customer is fixed by the page."""

    attachments = MultipleFileField(
        required=False,
        label=_("Attachments"),
        help_text=_("Photos, PDF and Office files, up to 10 MB each."),
    )

    class Meta:
        model = FollowUp
        fields = [
            "kind", "occurred_at", "contacts", "summary", "outcome", "next_step", "next_date",
            "checkin_lat", "checkin_lng", "checkin_address",
        ]  # fmt: skip
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "next_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "contacts": forms.CheckboxSelectMultiple,
            "checkin_lat": forms.HiddenInput(attrs={"data-checkin": "lat"}),
            "checkin_lng": forms.HiddenInput(attrs={"data-checkin": "lng"}),
        }

    def __init__(self, *args, user=None, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        customer = customer or (self.instance.customer if self.instance.pk else None)
        self.customer = customer
        self.fields["contacts"].queryset = (
            selectors.Contact.objects.visible_to(user).filter(
                customer=customer, archived_at__isnull=True
            )
            if customer is not None
            else selectors.Contact.objects.none()
        )
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        for name, limit in (("checkin_lat", 90), ("checkin_lng", 180)):
            self.fields[name].validators += [MinValueValidator(-limit), MaxValueValidator(limit)]
        if not self.instance.pk and not self.is_bound:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)
        if self.instance.pk:
            del self.fields["attachments"]  # files are added on the follow-up's page

    def changed_data_dict(self):
        data = super().changed_data_dict()
        data.pop("contacts", None)
        return data


class FollowUpNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class BulkActionForm(forms.Form):
    """Bulk actions of the customer list; every row is checked against scope by the view."""

    VERBS = [
        ("tag", _("Add tags")),
        ("untag", _("Remove tags")),
        ("assign", _("Assign")),
        ("transfer", _("Transfer")),
        ("release", _("Release to the pool")),
    ]
    MAX_ROWS = 500

    verb = forms.ChoiceField(choices=VERBS, label=_("Action"))
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Customers"))
    tags = forms.CharField(
        required=False,
        max_length=400,
        label=_("Tags"),
        help_text=_("Separate tags with commas."),
    )
    to_owner = forms.ModelChoiceField(queryset=None, required=False, label=_("To"))
    reason = forms.CharField(required=False, max_length=500, label=_("Reason"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = selectors.assignable_owners(user)

    def clean_ids(self):
        return self.cleaned_data["ids"]

    def full_clean(self):
        # The choices are whatever ids were posted: the view filters them by scope.
        if self.is_bound:
            self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids") if v.isdigit()]
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        verb = cleaned.get("verb")
        ids = cleaned.get("ids") or []
        if len(ids) > self.MAX_ROWS:
            self.add_error("ids", _("Pick at most %(n)s customers at once.") % {"n": self.MAX_ROWS})
        if verb in {"tag", "untag"} and not self.tag_names():
            self.add_error("tags", _("Name at least one tag."))
        if verb in {"assign", "transfer"} and not cleaned.get("to_owner"):
            self.add_error("to_owner", _("Choose who receives the customers."))
        if verb in {"assign", "transfer", "release"} and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give a reason: it is kept with the ownership move."))
        return cleaned

    def tag_names(self) -> list[str]:
        raw = (self.cleaned_data.get("tags") or "").replace("，", ",")
        names = [" ".join(part.split())[:40] for part in raw.split(",")]
        return list(dict.fromkeys(name for name in names if name))
