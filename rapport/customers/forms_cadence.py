"""The period of the cadence compliance report: a preset or two dates."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.customers.selectors_cadence import MAX_PERIOD_DAYS

PRESETS = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("month", _("This month")),
    ("last_month", _("Last month")),
    ("quarter", _("This quarter")),
    ("custom", _("From … to …")),
]


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset.isdigit():
        return today - dt.timedelta(days=int(preset) - 1), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if preset == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    raise ValueError(preset)


class CadencePeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PRESETS, initial="30", required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    owner = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    result = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("kept", _("kept")), ("missed", _("missed"))],
        widget=forms.HiddenInput,
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        preset = data.get("period") or "30"
        if preset != "custom":
            data["start"], data["end"] = preset_range(preset, today)
            return data
        start, end = data.get("start"), data.get("end")
        if start is None:
            self.add_error("start", _("Give the first day of the period."))
        if end is None:
            self.add_error("end", _("Give the last day of the period."))
        if start is None or end is None:
            return data
        if start > end:
            self.add_error("end", _("The last day must not be before the first day."))
        elif start > today:
            self.add_error("start", _("The period must begin today or earlier."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error(
                "end",
                _("A period is at most %(days)s days long.") % {"days": MAX_PERIOD_DAYS},
            )
        return data
