from __future__ import annotations

from typing import Any

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from trainees.exports import neutralise
from trainees.models import Organisation, Trainee


class FormulaSafeResource(resources.ModelResource):
    """Exports through django-import-export with every text cell formula-safe, as the portal's
    own export writer does (lib.exports.neutralise)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        # Spreadsheet formula injection: a name such as =HYPERLINK(…) stays text.
        value = super().export_field(field, instance, **kwargs)
        return neutralise(value) if isinstance(value, str) else value


class OrganisationResource(FormulaSafeResource):
    """Organisations in and out of the admin as CSV/XLSX, keyed by code (所属コード)."""

    parent = fields.Field(
        column_name="parent_code",
        attribute="parent",
        widget=ForeignKeyWidget(Organisation, field="code"),
    )

    class Meta:
        model = Organisation
        import_id_fields = ("code",)
        fields = ("code", "name", "parent", "is_external", "is_active", "valid_from", "valid_to")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class TraineeResource(FormulaSafeResource):
    """The registry for the admin's export (CSV, XLSX, JSON …, through django-import-export).
    Imports go through the roster import (preview, confirm, change history), not this."""

    organisation_code = fields.Field(attribute="organisation__code", column_name="所属コード")
    organisation_name = fields.Field(attribute="organisation__name", column_name="所属")

    class Meta:
        model = Trainee
        fields = (
            "staff_number", "name", "name_kana", "organisation_code", "organisation_name",
            "job_title", "job_category", "duty", "gender", "birth_date", "hire_date",
            "promotion_date", "email", "employment_type", "status", "status_changed_on",
        )  # fmt: skip
        export_order = fields
