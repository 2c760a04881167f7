"""Target lists at 100,000 trainees: the preview (who the conditions select, with why) and the
freeze (write the list), with the number of queries each takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu .venv/bin/python bench/target_lists.py [trainees]

The ward is bench/generate.py's (the one generator, one fiscal year). Runs in a throw-away
test database. Last line: {"trainees", "matched", "preview_s",
"preview_queries", "freeze_s", "freeze_queries", "refreeze_s"}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from bench.generate import generate
        from courses.models import TargetRule
        from courses.selectors import target_matches
        from enrollments.selectors import completed_trainee_ids
        from enrollments.services import target_list_freeze
        from tests.courses.factories import CourseFactory
        from trainees.models import Organisation

        generate(trainees=size, years=1, seed=42)  # the one generator's ward
        departments = list(Organisation.objects.filter(parent=None, is_external=False)
                           .order_by("code"))  # fmt: skip
        course = CourseFactory(fiscal_year=2026)
        rule = TargetRule.objects.create(
            course=course, employment_types=["正規"], job_titles=["主事", "主任主事"],
            min_years_of_service=3,
        )  # fmt: skip
        rule.organisations.set(departments[:10])  # half the ward, sub-units included

        with CaptureQueriesContext(connection) as preview_queries:
            started = time.perf_counter()
            matched = len(target_matches(course, completed=completed_trainee_ids))
            preview_s = time.perf_counter() - started
        with CaptureQueriesContext(connection) as freeze_queries:
            started = time.perf_counter()
            target_list_freeze(course=course, actor=None)
            freeze_s = time.perf_counter() - started
        started = time.perf_counter()
        target_list_freeze(course=course, actor=None)  # HR freezes again after a roster update
        refreeze_s = time.perf_counter() - started
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    result = {
        "trainees": size,
        "matched": matched,
        "preview_s": round(preview_s, 3),
        "preview_queries": len(preview_queries),
        "freeze_s": round(freeze_s, 3),
        "freeze_queries": len(freeze_queries),
        "refreeze_s": round(refreeze_s, 3),
    }
    print(f"Target list over {size:,} trainees ({connection.vendor}); {matched:,} match")
    print(f"  preview: {preview_s:.2f} s in {len(preview_queries)} queries")
    print(
        f"  freeze:  {freeze_s:.2f} s in {len(freeze_queries)} queries (again: {refreeze_s:.2f} s)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
