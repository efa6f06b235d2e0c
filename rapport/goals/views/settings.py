"""Goal settings (admins): fiscal year, pace thresholds, leaderboard rules, exchange rates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import StaleObjectError
from rapport.core.money import Currency
from rapport.goals import services
from rapport.goals.forms import GoalSettingsForm
from rapport.goals.models import ExchangeRate, GoalSettings
from rapport.goals.periods import local_today


class RateForm(forms.Form):
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices)
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"), max_digits=18, decimal_places=8, min_value=0
    )


def _admin_only(request) -> None:
    from rapport.org.scope import scope_for

    if not scope_for(request.user).is_admin:
        raise PermissionDenied


@login_required
def goal_settings(request):
    _admin_only(request)
    current = GoalSettings.current()
    form = GoalSettingsForm(request.POST or None, instance=current, prefix="s")
    rate_form = RateForm(request.POST or None, prefix="r", initial={"valid_from": local_today()})
    status = 200
    if request.method == "POST" and "save-settings" in request.POST and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        try:
            services.goal_settings_update(
                actor=request.user, data=data, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            for field, found in error.message_dict.items():
                form.add_error(field if field in form.fields else None, found)
        except StaleObjectError:
            form.add_error(None, _("Someone else changed the settings; reload and save again."))
            status = 409
        else:
            messages.success(request, _("Settings saved."))
            return redirect("goals:settings")
    if request.method == "POST" and "save-rate" in request.POST and rate_form.is_valid():
        try:
            services.exchange_rate_set(actor=request.user, **rate_form.cleaned_data)
        except ValidationError as error:
            for field, found in error.message_dict.items():
                rate_form.add_error(field if field in rate_form.fields else None, found)
        else:
            messages.success(request, _("Exchange rate saved."))
            return redirect("goals:settings")
    context = {
        "form": form,
        "rate_form": rate_form,
        "rates": ExchangeRate.objects.all(),
        "base": current.base_currency,
    }
    return render(request, "goals/settings.html", context, status=status)
