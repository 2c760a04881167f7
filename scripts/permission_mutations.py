#!/usr/bin/env python3
"""Mutation check for the permission matrix: remove each access decorator that names a
permission (`@access(…)`, lib/access.py) from our views, one at a time, and run
tests/test_permission_matrix.py over that view's rows only (MATRIX_VIEW) — every removal must
turn it red. CI runs it for every app (.ci/run).

    .venv/bin/python scripts/permission_mutations.py [app …]   (a few seconds per decorator)

With app names (e.g. `assessments`), only those apps' views are mutated.

Prints one line per decorator (caught / MISSED) and, last, a JSON object with the counts.
The source files are restored after each run, also when interrupted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The one access idiom (lib/access.py) with a permission named: removing it must be caught.
DECORATOR = re.compile(r"^@access\(.+\)")
VIEWS = sorted(
    p
    for p in ROOT.glob("*/*views.py")
    if ".venv" not in p.parts and p.parent.name not in {"config"}
)


def run_matrix(view: str) -> bool:
    """Is the matrix green over the rows of this view ("module.function")?"""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/test_permission_matrix.py::test_permission_matrix"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "MATRIX_VIEW": view},
    )  # fmt: skip
    if "AssertionError: no URL routes to" in result.stdout:
        raise SystemExit(f"{view}: no matrix row routes to it (the check would prove nothing)")
    return result.returncode == 0


def main() -> int:
    caught = missed = 0
    apps = set(sys.argv[1:])
    for path in VIEWS:
        if apps and path.parent.name not in apps:
            continue
        original = path.read_text(encoding="utf-8")
        lines = original.split("\n")
        for index, line in enumerate(lines):
            if not DECORATOR.match(line):
                continue
            view = next(
                (
                    ln.split("(")[0].removeprefix("def ")
                    for ln in lines[index:]
                    if ln.startswith("def ")
                ),
                "?",
            )
            mutated = "\n".join(lines[:index] + lines[index + 1 :])
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            try:
                path.write_text(mutated, encoding="utf-8")
                green = run_matrix(f"{module}.{view}")
            finally:
                path.write_text(original, encoding="utf-8")
            name = f"{path.relative_to(ROOT)}:{view}"
            if green:
                missed += 1
                print(f"MISSED  {name}: the matrix stayed green without {line.strip()}")
            else:
                caught += 1
                print(f"caught  {name}")
    print(json.dumps({"decorators": caught + missed, "caught": caught, "missed": missed}))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
