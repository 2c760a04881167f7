from __future__ import annotations

from django import forms

from notices.models import NotificationTemplate


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
