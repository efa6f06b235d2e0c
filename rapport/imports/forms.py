"""The wizard's forms: the upload, and the columns with the options."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.imports.base import ENTITY_CHOICES, handler_for
from rapport.imports.models import Duplicates
from rapport.imports.reading import max_upload_bytes


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What the file holds"), choices=ENTITY_CHOICES)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        from rapport.imports.reading import FileProblem, check_size

        try:
            check_size(upload.size)  # before anything reads it
        except FileProblem as problem:
            # FileProblem names its field ({"file": ...}); a field's clean method must
            # raise a plain error, or Django's add_error fails with a TypeError (a 500).
            raise forms.ValidationError(problem.message_text, code=problem.code) from None
        return upload

    @property
    def limit_mb(self) -> int:
        return max_upload_bytes() // (1024 * 1024)


class MappingForm(forms.Form):
    """One choice per file column (the guess preselected), then the options."""

    duplicates = forms.ChoiceField(
        label=_("Rows that match an existing record"),
        choices=Duplicates.choices,
        widget=forms.RadioSelect,
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Import the good rows and skip bad ones (otherwise: all or nothing)"),
        required=False,
    )
    import_for = forms.ModelChoiceField(
        label=_("Owner of the new records"), queryset=None, empty_label=None
    )

    def __init__(self, *args, run, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = run
        handler = handler_for(run.entity)
        choices = [("", _("— ignore this column —"))] + [
            (column.name, f"{column.label}{' *' if column.required else ''}")
            for column in handler.columns
        ]
        self.columns = []
        for index, header in enumerate(run.headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("(column %(n)s)") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=run.mapping[index] if index < len(run.mapping) else "",
            )
            self.columns.append(name)
        self.fields["duplicates"].initial = run.duplicates
        self.fields["skip_bad_rows"].initial = run.skip_bad_rows
        self.fields["import_for"].queryset = owners
        self.fields["import_for"].initial = run.import_for_id
        # Move the options after the columns.
        for name in ("duplicates", "skip_bad_rows", "import_for"):
            self.fields[name] = self.fields.pop(name)

    def column_fields(self):
        return [self[name] for name in self.columns]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.columns]
