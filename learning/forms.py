from __future__ import annotations

import math
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from learning.materials import Inspected, MaterialFileError, inspect_upload
from learning.models import Material
from lib.forms import FoldedNumbersMixin


class MaterialForm(forms.Form):
    """A new material: a file (video or PDF, checked by its content) or a link."""

    title = forms.CharField(label=_("material title"), max_length=200)
    description = forms.CharField(
        label=_("explanation for trainees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    upload = forms.FileField(
        label=_("File (MP4 or WebM video, PDF)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "video/mp4,video/webm,application/pdf,.mp4,.webm,.pdf"}
        ),
    )
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")

    inspected: Inspected | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, url = cleaned.get("upload"), cleaned.get("url")
        if self.errors:
            return cleaned
        if bool(upload) == bool(url):
            raise forms.ValidationError(_("Choose a file or give a link (one of the two)."))
        if upload:
            try:
                self.inspected = inspect_upload(upload)
            except MaterialFileError as exc:
                self.add_error("upload", str(exc))
        return cleaned


class MaterialEditForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Material
        fields = ["title", "description", "url"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.kind != Material.Kind.LINK:
            del self.fields["url"]
        else:
            self.fields["url"].required = True


class ProgressForm(FoldedNumbersMixin, forms.Form):
    """What the player reports: the ranges played since the page was opened, and where it is."""

    played = forms.JSONField(required=False)
    position = forms.FloatField(min_value=0, required=False)

    def clean_played(self) -> list[list[float]]:

        value = self.cleaned_data.get("played") or []
        message = _("Played ranges must be a list of [start, end] pairs in seconds.")
        if not isinstance(value, list) or len(value) > 2000:
            raise forms.ValidationError(message)
        ranges = []
        for item in value:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not all(isinstance(x, int | float) and math.isfinite(x) for x in item)
                or item[1] < item[0]
            ):
                raise forms.ValidationError(message)
            ranges.append([float(item[0]), float(item[1])])
        return ranges
