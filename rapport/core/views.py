"""Generic page views: scope is applied before any handler runs (DESIGN §5).

Concrete views declare `model`, `form_class`/`filterset_class`, a template, and
override `create_object`/`update_object` to call their domain service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_filters.views import FilterView

from rapport.core import scoping, services
from rapport.core.errors import OutOfReachError, StaleObjectError


class ScopedQuerysetMixin(LoginRequiredMixin, scoping.ScopedQuerysetMixin):
    """Signed-in users only; the queryset starts from their scope."""


class ScopedListView(ScopedQuerysetMixin, FilterView):
    paginate_by = 50
    strict = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.model.objects.all().creatable_by(self.request.user)
        return context


class ScopedDetailView(ScopedQuerysetMixin, generic.DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = (
            self.model.objects.editable_by(self.request.user).filter(pk=self.object.pk).exists()
        )
        return context


class VersionedModelForm(forms.ModelForm):
    """A model form that carries the version it was built from, to refuse stale saves."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Editing: the version is required, so a form without it cannot overwrite a
            # concurrent change (DESIGN §6).
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    def changed_data_dict(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data
        }


def _apply_write_errors(form, write) -> Any:
    """Run a write; turn service errors into form errors. Returns the object or None."""
    try:
        return write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
    except OutOfReachError as error:
        form.add_error(None, str(error.message))
    return None


class ScopedCreateView(LoginRequiredMixin, generic.CreateView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.model.objects.all().creatable_by(
            request.user
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def create_object(self, *, actor, data: dict[str, Any]):
        return services.create_object(actor=actor, model=self.model, data=data)

    def form_valid(self, form):
        data = {
            name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data
        }
        obj = _apply_write_errors(
            form,
            lambda: services.write_in_scope(
                self.request.user, lambda: self.create_object(actor=self.request.user, data=data)
            ),
        )
        if obj is None:
            return self.form_invalid(form)
        self.object = obj
        return HttpResponseRedirect(self.get_success_url())


class ScopedUpdateView(ScopedQuerysetMixin, generic.UpdateView):
    form_class: type[VersionedModelForm]
    stale_changes: list[dict] | None = None

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.model.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj

    def update_object(self, *, actor, obj, data: dict[str, Any], expected_version: int | None):
        return services.update_object(
            actor=actor, obj=obj, data=data, expected_version=expected_version
        )

    def form_valid(self, form):
        # The form already copied its data onto self.object; start the write from a
        # fresh copy so the service sees the true "before" values for the audit diff.
        fresh = self.get_queryset().get(pk=self.object.pk)
        expected = form.cleaned_data["version"]
        try:
            obj = _apply_write_errors(
                form,
                lambda: services.write_in_scope(
                    self.request.user,
                    lambda: self.update_object(
                        actor=self.request.user,
                        obj=fresh,
                        data=form.changed_data_dict(),
                        expected_version=expected,
                    ),
                ),
            )
        except StaleObjectError as error:
            self.stale_changes = error.changes
            form.add_error(
                None,
                _(
                    "Someone else changed this record since you opened it. "
                    "Review their changes below, then save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = error.obj.version
            response = self.form_invalid(form)
            response.status_code = 409
            return response
        if obj is None:
            return self.form_invalid(form)
        self.object = obj
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stale_changes"] = self.stale_changes
        return context


class ScopedActionView(ScopedQuerysetMixin, generic.View):
    """POST-only domain verb on one record the user may edit (archive, deactivate, claim…).

    Declare `model` and `success_message`, implement `act(actor=..., obj=..., data=...)`
    calling one service; the view answers 404 out of scope, 403 when read-only, shows the
    service's validation errors as messages, and goes back to `get_success_url(obj)`.
    """

    http_method_names = ["post"]
    success_message = ""

    def act(self, *, actor, obj, data):  # pragma: no cover - each action declares it
        raise NotImplementedError

    def get_success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def post(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        if not self.model.objects.editable_by(request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        target = self.get_success_url(obj)  # before the act: it may end the object's page
        try:
            self.act(actor=request.user, obj=obj, data=request.POST)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.success_message)
        return redirect(target)


class ScopedArchiveView(ScopedActionView):
    """Archive one record (business records are never deleted)."""

    success_message = _("Archived.")

    def act(self, *, actor, obj, data):
        return services.archive_object(actor=actor, obj=obj)
