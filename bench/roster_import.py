"""Roster import speed: 4,000 and 100,000 staff, first year and second year, on the database.

For each size it generates a realistic CP932 roster (full-width digits, 和暦, half-width kana …),
imports it in full mode (year 1: everyone created), then a second year with 5% leavers, 5% new
staff and 10% changed (department, title or e-mail). Each import runs in a fresh child process so
its peak memory is its own. In the same run, a raw psycopg COPY of the same rows into a scratch
table gives the floor to compare with.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu make bench
    .venv/bin/python bench/roster_import.py [sizes…]       # default: 4000 100000

Last line: {"runs": [{"rows", "year", "seconds", "rows_per_s", "peak_mb", "copy_seconds",
"copy_ratio", "preview_seconds"}, …]}.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

HEADER = ["職員番号", "氏名", "氏名カナ", "所属コード", "所属", "兼務先", "職名", "職種", "職務名",
          "性別", "生年月日", "採用年月日", "昇任年月日", "メールアドレス", "雇用区分"]  # fmt: skip
SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("田中", "タナカ"),
            ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
            ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山﨑", "ヤマザキ")]  # fmt: skip
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("翔", "ショウ"), ("美咲", "ミサキ"),
         ("裕子", "ユウコ"), ("和也", "カズヤ"), ("恵", "メグミ"), ("陽菜", "ヒナ")]  # fmt: skip
TITLES = ["主事", "主任主事", "係長", "課長補佐", "課長", "技師", "主任"]
CATEGORIES = ["事務", "土木", "建築", "福祉", "保健師", "栄養士"]
DUTIES = ["庶務担当", "窓口業務", "企画担当", "道路管理", "保健指導", "施設管理"]
TYPES = ["正規"] * 8 + ["再任用", "会計年度", "任期付き"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def wareki(year: int, month: int, day: int) -> str:
    if year >= 2019 and (year, month) >= (2019, 5):
        return f"令和{year - 2018}年{month}月{day}日"
    if (year, month, day) >= (1989, 1, 8):
        return f"H{year - 1988:02d}.{month:02d}.{day:02d}"
    return f"S{year - 1925}.{month}.{day}"


def person(number: int, rng: random.Random, sections: list[tuple[str, str]]) -> list[str]:
    (surname, s_kana), (given, g_kana) = rng.choice(SURNAMES), rng.choice(GIVEN)
    birth_year = rng.randint(1962, 2003)
    hire_year = rng.randint(birth_year + 18, 2025)
    code, section = rng.choice(sections)
    staff = f"{number:06d}"
    kana = f"{s_kana} {g_kana}"
    styles = [
        lambda y, m, d: f"{y}/{m}/{d}",
        lambda y, m, d: f"{y}{m:02d}{d:02d}",
        wareki,
        lambda y, m, d: f"{y:04d}/{m:02d}/{d:02d}".translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        ),
    ]
    return [
        staff
        if number % 7
        else staff.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{surname}\u3000{given}" if number % 2 else f"{surname} {given}",
        kana
        if number % 5
        else kana.translate(str.maketrans("サトウスズキタカハシ", "ｻﾄｳｽｽﾞｷﾀｶﾊｼ"[:10])),
        code,
        section,
        "",
        rng.choice(TITLES),
        rng.choice(CATEGORIES),
        rng.choice(DUTIES),
        rng.choice(["男", "女"]),
        rng.choice(styles)(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
        rng.choice(styles)(hire_year, 4, 1),
        "",
        f"staff{staff}@city.example.jp",
        rng.choice(TYPES),
    ]


def generate(size: int, year: int, seed: int = 42) -> bytes:
    rng = random.Random(seed)
    sections = [(f"{100000 + i * 100}", f"部{i // 10}部 第{i}課") for i in range(200)]
    rows = [person(n, rng, sections) for n in range(1, size + 1)]
    if year == 2:
        rng2 = random.Random(seed + 1)
        leave = set(rng2.sample(range(size), size * 5 // 100))
        rows = [row for i, row in enumerate(rows) if i not in leave]
        for index in rng2.sample(range(len(rows)), size * 10 // 100):
            row = rows[index]
            what = index % 3
            if what == 0:
                row[3], row[4] = rng2.choice(sections)
            elif what == 1:
                row[6] = rng2.choice(TITLES)
            else:
                row[13] = f"new.{index}@city.example.jp"
        rows += [person(n, rng2, sections) for n in range(size + 1, size + 1 + size * 5 // 100)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("cp932")


def child(path: str) -> None:
    """One import in this process: preview, then commit; print timings and peak memory."""
    import django

    django.setup()
    from trainees.roster_import import roster_import_commit, roster_import_preview

    data = Path(path).read_bytes()
    started = time.perf_counter()
    record = roster_import_preview(
        data=data, file_name=Path(path).name, mode="full", uploaded_by=None
    )
    preview = time.perf_counter() - started
    preview_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if record.errors:
        sys.exit(f"the generated roster has errors: {record.errors[:3]}")
    started = time.perf_counter()
    roster_import_commit(roster_import_id=record.pk, committed_by=None)
    commit = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "preview_seconds": preview, "commit_seconds": commit, "peak_mb": peak_mb,
        "preview_peak_mb": preview_peak_mb,
        "created": record.created, "updated": record.updated, "deactivated": record.deactivated,
        "rows": record.rows,
    }))  # fmt: skip


def copy_seconds(data: bytes) -> float:
    """Raw psycopg COPY of the same rows (decoded) into a scratch table: the floor."""
    from django.db import connection

    text = data.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_roster_scratch")
        cursor.execute(
            "CREATE TABLE bench_roster_scratch (" + ", ".join(f"c{i} text" for i in range(15)) + ")"
        )
    started = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy("COPY bench_roster_scratch FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    raw.commit() if not raw.autocommit else None
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_roster_scratch")
    return elapsed


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    sizes = [int(a) for a in sys.argv[1:]] or [4000, 100000]
    if connection.vendor != "postgresql":
        print("note: the targets are for PostgreSQL; this run uses", connection.vendor)
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    env = {**os.environ}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    runs = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in sizes:
                call_command("flush", "--noinput", verbosity=0)
                for year in (1, 2):
                    data = generate(size, year)
                    path = Path(tmp) / f"roster-{size}-y{year}.csv"
                    path.write_bytes(data)
                    result = subprocess.run(
                        [sys.executable, __file__, "--child", str(path)],
                        env=env, capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    if result.returncode:
                        sys.exit(result.stderr or result.stdout)
                    measured = json.loads(result.stdout.strip().splitlines()[-1])
                    copy = copy_seconds(data) if connection.vendor == "postgresql" else None
                    seconds = measured["preview_seconds"] + measured["commit_seconds"]
                    run = {
                        "rows": measured["rows"],
                        "year": year,
                        "seconds": round(seconds, 3),
                        "rows_per_s": round(measured["rows"] / seconds),
                        "peak_mb": round(measured["peak_mb"], 1),
                        "copy_seconds": round(copy, 3) if copy is not None else None,
                        "copy_ratio": round(seconds / copy, 1) if copy else None,
                        "preview_seconds": round(measured["preview_seconds"], 3),
                        "preview_peak_mb": round(measured["preview_peak_mb"], 1),
                        "commit_seconds": round(measured["commit_seconds"], 3),
                        "created": measured["created"],
                        "updated": measured["updated"],
                        "deactivated": measured["deactivated"],
                    }
                    runs.append(run)
                    print(
                        f"{run['rows']:>7} rows  year {year}: {run['seconds']:7.2f} s "
                        f"({run['rows_per_s']:>6} rows/s; preview {run['preview_seconds']:.2f} s, "
                        f"commit {run['commit_seconds']:.2f} s)  peak {run['peak_mb']:6.1f} MB  "
                        f"COPY {run['copy_seconds']} s (x{run['copy_ratio']})  "
                        f"+{run['created']} ~{run['updated']} -{run['deactivated']}",
                        flush=True,
                    )
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
