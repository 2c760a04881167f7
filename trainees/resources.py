from __future__ import annotations

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from trainees.models import Organisation


class OrganisationResource(resources.ModelResource):
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
