"""The load test's saturation curve (bench/load.py, issue 23): where it bends, and that two
shapes are compared only once the load has found the server's limit. The figures are shaped
like real runs: a curve that still scales (each level served as its users ask, as at 10–50
users on a 2-core machine) must not be read as a limit, and a curve that flattens must name the
level before it flattens, not the highest one nor the first."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


@pytest.fixture(scope="module")
def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def level(users: int, rps: float) -> dict:
    return {"users": users, "rps": rps, "p95_ms": 0, "errors": 0}


def test_served_is_throughput_against_what_the_users_ask(load: ModuleType) -> None:
    # 50 users thinking 1.5 s on average ask for 33.3 requests/s with instant answers.
    assert load.served(level(50, 30.6)) == pytest.approx(30.6 * 1.5 / 50)
    assert load.served(level(0, 0.0)) == 0.0


def test_a_curve_that_still_scales_has_no_knee(load: ModuleType) -> None:
    # stop 40's run: 6.2, 15.9, 30.6 requests/s at 10, 25, 50 users (93–95 % served)
    found = load.knee([level(10, 6.2), level(25, 15.9), level(50, 30.6)])
    assert found == {"users": 50, "rps": 30.6, "peak_rps": 30.6, "reached": False}


def test_the_knee_is_the_last_level_served_before_the_first_that_is_not(
    load: ModuleType,
) -> None:
    # 100 users are served (60/66.7 = 90 %), 150 not (62/100 = 62 %), 200 even less: the knee
    # is at 100, and the most served is the 150-user level's, not the knee's.
    levels = [level(150, 62.0), level(10, 6.4), level(200, 61.0), level(50, 31.0),
              level(100, 60.0)]  # fmt: skip
    found = load.knee(levels)
    assert found == {"users": 100, "rps": 60.0, "peak_rps": 62.0, "reached": True}


def test_a_first_level_already_unserved_is_the_knee(load: ModuleType) -> None:
    found = load.knee([level(50, 10.0), level(100, 11.0)])
    assert found == {"users": 50, "rps": 10.0, "peak_rps": 11.0, "reached": True}
