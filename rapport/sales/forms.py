"""Opportunity and pipeline forms. Choices offer only what the user may use."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.views import VersionedModelForm
from rapport.sales.models import Opportunity, Pipeline, Stage

User = get_user_model()

# How many customers the picker lists before the user types: the search box finds the rest.
CUSTOMER_CHOICES = 50


def editable_customers(user):
    from rapport.customers.models import Customer

    return Customer.objects.editable_by(user).filter(archived_at__isnull=True)


def owner_choices(user):
    return User.objects.visible_to(user).filter(is_active=True).order_by("username")


class OpportunityForm(VersionedModelForm):
    """Create (with customer and pipeline) and edit (facts only: stages move on the board
    or the detail page). The owner is offered to leads and admins only."""

    customer_q = forms.CharField(
        label=_("Find a customer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    class Meta:
        model = Opportunity
        fields = [
            "customer",
            "name",
            "amount",
            "currency",
            "expected_close",
            "owner",
            "pipeline",
            "close_reason",
            "notes",
        ]
        widgets = {
            "expected_close": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from rapport.org.scope import scope_for
        from rapport.sales.selectors import visible_pipelines

        self.user = user
        scope = scope_for(user)
        editing = self.instance.pk is not None
        if editing:
            for name in ("customer", "customer_q", "pipeline"):
                del self.fields[name]
            if self.instance.closed_at is None:
                del self.fields["close_reason"]
        else:
            del self.fields["close_reason"]
            self._set_customer_choices()
            pipelines = visible_pipelines(user).order_by("-is_default", "name")
            if len(pipelines) > 1:
                self.fields["pipeline"].queryset = pipelines
                self.fields["pipeline"].required = False
                self.fields["pipeline"].empty_label = _("Default pipeline")
            else:
                del self.fields["pipeline"]
        if scope.can_manage_team:
            self.fields["owner"].queryset = owner_choices(user)
            self.fields["owner"].required = editing
            self.fields["owner"].empty_label = _("Me")
        else:
            del self.fields["owner"]

    def _set_customer_choices(self) -> None:
        """Validate against every customer the user may edit, but list only a few (the
        chosen one and the latest): a lead's book can hold thousands."""
        field = self.fields["customer"]
        field.queryset = editable_customers(self.user)
        chosen = self.data.get("customer") or self.initial.get("customer")
        shown = list(field.queryset.order_by("-updated_at", "-id")[:CUSTOMER_CHOICES])
        if chosen and str(chosen).isdigit() and all(c.pk != int(chosen) for c in shown):
            shown = [*field.queryset.filter(pk=int(chosen)), *shown]
        field.widget.choices = [("", "---------"), *((c.pk, c.name) for c in shown)]
        self.fields["customer_q"].widget.attrs.update(
            {
                "hx-get": reverse("sales:customer-options"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#id_customer",
                "hx-swap": "innerHTML",
                "aria-controls": "id_customer",
            }
        )
        # Put the search box right above the picker.
        order = ["customer_q", "customer"]
        self.order_fields(order + [name for name in self.fields if name not in order])


class MoveForm(forms.Form):
    """A stage move from a page (board card or detail page) with the card's version."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Move to"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(pipeline_id=opportunity.pipeline_id)


class PipelineForm(VersionedModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "is_default"]


class StageForm(VersionedModelForm):
    class Meta:
        model = Stage
        fields = ["name", "english_name", "probability", "outcome"]
