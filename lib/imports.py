"""The skeleton every file import shares: read → check → preview → confirm.

An import (the roster, past history; attendance next) is a small subclass of
``FileImportPipeline`` and a model derived from ``FileImport``:

- ``read_sheet`` reads the upload (lib.tables: CSV in UTF-8 or CP932, or XLSX), maps the header
  through the import's ``Columns`` (Japanese as the HR system writes them, or English names, in
  any order; unknown columns a warning, a repeated one an error, each missing required column
  an error naming it) and hands over each line's raw cells by field, with the line number as
  the clerk sees it in Excel.
- The subclass's ``check`` turns those into a typed plan and the problems (``Problem``: line,
  column as written, value, message) — never writing anything.
- ``preview`` keeps the file's identity (name, SHA-256, size), the problems and, only when
  there are none, the plan on the import's row. Nothing else is written.
- ``commit`` applies the kept plan, all or nothing, in one durable transaction under a lock,
  once: the file is not read again. A subclass may refuse a plan that went stale meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lib.japanese import fold
from lib.tables import TableFileError, read_table

# The most data rows a file may have (the roster of a large ward and its affiliates, twice).
MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong (an error) or worth a look (a warning), where the clerk will find it."""

    line: int | None  # as Excel numbers it: the header is line 1; None for the whole file
    column: str  # as written in the file's header (or the column's usual name when missing)
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value,
                "message": self.message}  # fmt: skip


NO_ROWS = gettext_lazy("The file has a header but no rows.")


def problems_summary(count: int) -> str:
    """What a preview with errors comes to, in one line (a background check's result)."""
    return ngettext(
        "%(count)s problem to correct: nothing can be imported yet.",
        "%(count)s problems to correct: nothing can be imported yet.",
        count,
    ) % {"count": count}


@dataclass(frozen=True)
class Columns:
    """The columns an import reads: ``names`` maps a header as written (after folding) to a
    field; each field's own name is accepted too (English headers). ``required`` lists
    (the column's name for a message, fields any one of which will do)."""

    names: Mapping[str, str]
    required: Sequence[tuple[str, frozenset[str]]]
    # Said when the file has a header but no data rows ("…no staff rows").
    no_rows: str | Promise = NO_ROWS
    aliases: Mapping[str, str] = field(default_factory=dict)

    def field_of(self, cell: str) -> str | None:
        name = fold(cell)
        english = name.lower().replace(" ", "_")
        if name in self.names:
            return self.names[name]
        if english in self.aliases:
            return self.aliases[english]
        return english if english in self.names.values() else None


@dataclass
class Sheet:
    """An uploaded file read through its import's columns."""

    encoding: str
    header: list[str]
    column_of: dict[str, str]  # field -> the header as written
    # (line, raw cell by field), cells as in the file: read once, as the import goes — a line
    # longer than the header is added to ``errors`` when it is reached.
    rows: Iterator[tuple[int, dict[str, str]]]
    private_use: bool  # whether any cell may hold 外字 (lib.tables.has_private_use)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def read_sheet(
    data: bytes, *, file_name: str, encoding: str, columns: Columns, max_rows: int = MAX_ROWS
) -> Sheet:
    """The file's rows by field. Problems with the header are ``errors`` (and then there are
    no rows); a line with more cells than the header is an error naming it. Raises
    TableFileError when the file as a whole cannot be used: unreadable, empty, only a header,
    more than ``max_rows`` rows."""
    detected, records, private_use = read_table(data, file_name=file_name, encoding=encoding)
    header = records[0][1]
    sheet = Sheet(detected, header, {}, iter(()), private_use)
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        key = columns.field_of(cell)
        if key is None:
            if fold(cell):
                sheet.warnings.append(Problem(1, cell, "", _("Unknown column: ignored.")))
        elif key in sheet.column_of:
            sheet.errors.append(
                Problem(1, cell, "", _("This column appears twice (also as “%(other)s”).")
                        % {"other": sheet.column_of[key]})
            )  # fmt: skip
        else:
            sheet.column_of[key] = cell
            mapping[index] = key
    for label, keys in columns.required:
        if not keys & sheet.column_of.keys():
            sheet.errors.append(
                Problem(1, label, "", _("The required column “%(column)s” is missing.")
                        % {"column": label})
            )  # fmt: skip
    if sheet.errors:
        return sheet  # no row is read without its columns
    if len(records) == 1:
        raise TableFileError(str(columns.no_rows))
    if len(records) - 1 > max_rows:
        raise TableFileError(_("The file has more than %(max)s rows.") % {"max": f"{max_rows:,}"})
    body = records[1:]
    del records
    sheet.rows = _rows(body, header, mapping, sheet.errors)
    return sheet


def _rows(
    body: list[tuple[int, list[str]]],
    header: list[str],
    mapping: dict[int, str],
    errors: list[Problem],
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each line's cells by field, the raw cells let go as they are taken: a 100,000-line
    roster never holds its raw and its cleaned rows at once."""
    body.reverse()
    while body:
        line, cells = body.pop()
        if len(cells) > len(header):
            errors.append(
                Problem(line, "", "", _("This line has more values (%(n)s) than the header "
                                        "(%(h)s).") % {"n": len(cells), "h": len(header)})
            )  # fmt: skip
            continue
        yield line, {key: cells[i] if i < len(cells) else "" for i, key in mapping.items()}


class ImportStatus(models.TextChoices):
    """Where an import stands. STALE: refused at the confirmation because what it was checked
    against changed after the preview (imports that can tell)."""

    PREVIEWED = "previewed", gettext_lazy("Checked, awaiting confirmation")
    INVALID = "invalid", gettext_lazy("Has errors")
    COMMITTED = "committed", gettext_lazy("Committed")
    STALE = "stale", gettext_lazy("Refused: changed after the preview")


class FileImport(models.Model):
    """One uploaded file of an import: who, what (name, SHA-256, size), its problems, and —
    once confirmed — who confirmed it and when. The plan is the subclass's."""

    file_name = models.CharField(gettext_lazy("file name"), max_length=255)
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(gettext_lazy("size (bytes)"), default=0)
    encoding = models.CharField(gettext_lazy("encoding"), max_length=16, blank=True)
    status = models.CharField(gettext_lazy("status"), max_length=16, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(gettext_lazy("rows"), default=0)
    errors = models.JSONField(gettext_lazy("errors"), default=list, blank=True)
    warnings = models.JSONField(gettext_lazy("warnings"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("uploaded by"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(gettext_lazy("uploaded at"), default=timezone.now)
    committed_at = models.DateTimeField(gettext_lazy("committed at"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("committed by"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


def ensure_previewed(record: FileImport) -> None:
    """Refuse, in the person's words, an import that is not awaiting its confirmation: at the
    confirmation itself and before a confirmation is handed to a job."""
    if record.status != ImportStatus.PREVIEWED:
        raise ValidationError(
            _("This import cannot be committed (status: %(status)s).")
            % {"status": record.get_status_display()}
        )


class StaleImportError(Exception):
    """What the import was checked against changed after the preview: preview it again."""


RecordT = TypeVar("RecordT", bound=FileImport)
PlanT = TypeVar("PlanT")


@dataclass
class Checked(Generic[PlanT]):
    """What ``check`` found: the plan (None when nothing can be done) and the problems."""

    encoding: str
    rows: int
    plan: PlanT | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class FileImportPipeline(Generic[RecordT, PlanT]):
    """preview → commit for one kind of file. Subclasses give the model and the four steps that
    are theirs: ``check`` (read and compare, writing nothing), ``keep`` and ``kept`` (the plan on
    the row and back) and ``apply`` (write it, with its audit event)."""

    model: ClassVar[type[FileImport]]
    stale_message: ClassVar[str | Promise] = gettext_lazy(
        "The data changed after this preview. Upload the file again to see the changes."
    )

    def check(self, data: bytes, *, file_name: str, encoding: str,
              record: RecordT) -> Checked[PlanT]:  # fmt: skip
        raise NotImplementedError

    def keep(self, record: RecordT, plan: PlanT) -> None:
        raise NotImplementedError

    def kept(self, record: RecordT) -> PlanT:
        raise NotImplementedError

    def apply(self, record: RecordT, plan: PlanT, *, actor: Any, **options: Any) -> None:
        raise NotImplementedError

    def lock(self) -> None:
        """Taken before the import's row at the confirmation; by default only the row is locked."""

    def stale(self, record: RecordT) -> bool:
        """Whether what the preview was checked against has changed since."""
        return False

    def preview(
        self, *, data: bytes, file_name: str, encoding: str = "auto", uploaded_by: Any,
        **fields: Any,
    ) -> RecordT:  # fmt: skip
        """Read and check the file; keep its problems, and its plan when there are none."""
        record: RecordT = self.model(  # type: ignore[assignment]
            file_name=file_name[:255], sha256=hashlib.sha256(data).hexdigest(), size=len(data),
            uploaded_by=uploaded_by, **fields,
        )  # fmt: skip
        try:
            checked = self.check(data, file_name=file_name, encoding=encoding, record=record)
        except TableFileError as exc:
            checked = Checked("", 0, None, [Problem(None, "", "", str(exc))])
        order = lambda p: (p.line or 0, p.column)  # noqa: E731
        record.encoding = checked.encoding
        record.rows = checked.rows
        record.errors = [p.as_dict() for p in sorted(checked.errors, key=order)]
        record.warnings = [p.as_dict() for p in sorted(checked.warnings, key=order)]
        if checked.errors or checked.plan is None:
            record.status = ImportStatus.INVALID
        else:
            record.status = ImportStatus.PREVIEWED
            self.keep(record, checked.plan)
        record.save()
        return record

    def commit(self, *, record_id: int, actor: Any, **options: Any) -> RecordT:
        """Apply the kept plan, all or nothing, once. Raises ValidationError when the import
        is not awaiting confirmation or ``apply`` refuses, and StaleImportError (the import
        then marked stale, nothing else written) when the preview no longer holds."""
        with transaction.atomic(durable=True):
            self.lock()
            record: RecordT = self.model._default_manager.select_for_update().get(pk=record_id)  # type: ignore[assignment]
            ensure_previewed(record)
            stale = self.stale(record)
            if stale:
                record.status = ImportStatus.STALE
                record.save(update_fields=["status"])
            else:
                self.apply(record, self.kept(record), actor=actor, **options)
                record.status = ImportStatus.COMMITTED
                record.committed_at = timezone.now()
                record.committed_by = actor
                record.save(update_fields=["status", "committed_at", "committed_by"])
        if stale:
            raise StaleImportError(str(self.stale_message))
        return record
