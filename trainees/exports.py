"""The registry as a table for the portal's export writer (lib.exports)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet

from lib.exports import neutralise
from lib.exports import to_csv as table_csv
from lib.exports import to_xlsx as table_xlsx
from trainees.models import Trainee

HEADER = [
    "職員番号", "氏名", "氏名カナ", "所属コード", "所属", "兼務先", "職名", "職種", "職務名",
    "性別", "生年月日", "採用年月日", "昇任年月日", "メールアドレス", "雇用区分", "状態",
    "状態変更日",
]  # fmt: skip

__all__ = ["HEADER", "neutralise", "rows", "to_csv", "to_xlsx"]


def _date(value: datetime.date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""


def rows(queryset: QuerySet[Trainee]) -> Iterable[list[str]]:
    for t in queryset.select_related("organisation").iterator(chunk_size=2000):
        yield [
            t.staff_number, t.name, t.name_kana, t.organisation.code, t.organisation.name,
            "、".join(t.concurrent_posts), t.job_title, t.job_category, t.duty, t.gender,
            _date(t.birth_date), _date(t.hire_date), _date(t.promotion_date), t.email,
            t.employment_type, t.get_status_display(), _date(t.status_changed_on),
        ]  # fmt: skip


def to_csv(queryset: QuerySet[Trainee], *, encoding: str = "utf-8") -> tuple[bytes, int]:
    """The CSV bytes and how many characters had to be replaced (CP932 only)."""
    return table_csv(HEADER, rows(queryset), encoding=encoding)


def to_xlsx(queryset: QuerySet[Trainee]) -> bytes:
    return table_xlsx(HEADER, rows(queryset), sheet="職員名簿")
