"""Goal, key result, split, check-in and settings forms. Choices offer only what the
user may use; the services check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.views import VersionedModelForm
from rapport.goals import catalog
from rapport.goals.models import Goal, GoalSettings, KeyResult, OwnerKind

DATE = forms.DateInput(attrs={"type": "date"})


def metric_choices():
    return [("", _("Manual (check-ins)"))] + [(m.key, m.name) for m in catalog.metrics()]


class GoalForm(VersionedModelForm):
    class Meta:
        model = Goal
        fields = [
            "title", "description", "owner_kind", "owner_team", "owner_user",
            "period_kind", "period_start", "parent", "top_level",
        ]  # fmt: skip
        widgets = {"period_start": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        labels = {"period_start": _("A day in the period")}
        help_texts = {
            "period_start": _(
                "The goal covers the whole month, quarter or fiscal year of this day."
            )
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from rapport.org.models import Team, User
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        teams = Team.objects.filter(archived_at__isnull=True).order_by("path")
        if not scope.is_admin:
            teams = teams.filter(pk__in=scope.led_team_ids)
        self.fields["owner_team"].queryset = teams
        self.fields["owner_user"].queryset = User.objects.visible_to(user).filter(is_active=True)
        self.fields["owner_user"].required = False
        self.fields["parent"].queryset = (
            Goal.objects.visible_to(user)
            .live()
            .exclude(pk=self.instance.pk)
            .order_by("-period_start")
        )
        kinds = [(OwnerKind.USER, OwnerKind.USER.label)]
        if scope.can_manage_team:
            kinds.append((OwnerKind.TEAM, OwnerKind.TEAM.label))
        else:
            del self.fields["top_level"]
        if scope.is_admin:
            kinds.append((OwnerKind.COMPANY, OwnerKind.COMPANY.label))
        self.fields["owner_kind"].choices = kinds
        if self.instance.pk:  # the owner of a goal does not change; archive and make another
            for name in ("owner_kind", "owner_team", "owner_user"):
                del self.fields[name]


class KeyResultForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("Metric"), required=False)

    class Meta:
        model = KeyResult
        fields = ["title", "metric", "target", "start_value", "unit_label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metric_choices()
        self.fields["start_value"].required = False
        # No initial value: an untouched extra row of the formset must count as unchanged.
        self.fields["start_value"].initial = None


KeyResultFormSet = forms.formset_factory(KeyResultForm, extra=3, max_num=10, validate_max=True)


class CheckInForm(forms.Form):
    value = forms.DecimalField(label=_("Value now"), max_digits=20, decimal_places=4, min_value=0)
    confidence = forms.IntegerField(
        label=_("Confidence (0–10)"), min_value=0, max_value=10, initial=7
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoalSettingsForm(VersionedModelForm):
    class Meta:
        model = GoalSettings
        fields = [
            "fiscal_year_start", "base_currency", "on_track_at", "at_risk_at",
            "achievable_factor", "leaderboard_min_volume", "leaderboard_hide_names",
        ]  # fmt: skip
