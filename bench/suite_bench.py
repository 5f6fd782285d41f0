"""The kit's own test suite (issue 11: under 5 minutes on the 2-core machine): wall time and CPU time of
``python3 -m pytest`` (the README's command) with 2, 4 and 6 xdist workers, one after the other in one run,
each as a ratio to the 2-worker run (one worker per core, the baseline).

CPU time is the suite's own (every process it started, from ``RUSAGE_CHILDREN``): it is what the machine's
cores must hold, so wall time cannot fall below CPU time / cores however many workers wait. ``CI=true`` (the
hypothesis profile CI uses). About 12 minutes; run it on an otherwise idle machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKERS = (2, 4, 6)  # 4 is the suite's own choice (tests/conftest.py: two per core)


def run_suite(workers: int) -> dict[str, float | int | str]:
    env = {**os.environ, "CI": "true", "PYTEST_XDIST_AUTO_NUM_WORKERS": str(workers)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"]  # -rfE: what failed, listed
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines() or ["no output"]
    return {"workers": workers, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "exit": done.returncode,
            "outcome": lines[-1].strip("= "), "failed": [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]}


def main() -> list[dict[str, float | int | str]]:
    rows = [run_suite(workers) for workers in WORKERS]
    baseline = rows[0]
    print(f"{'workers':>7} {'wall s':>7} {'x base':>7} {'CPU s':>7} {'x base':>7} {'CPU/wall':>8}  outcome")
    for row in rows:
        print(f"{row['workers']:>7} {row['wall_s']:>7} {row['wall_s'] / baseline['wall_s']:>7.2f} {row['cpu_s']:>7} "
              f"{row['cpu_s'] / baseline['cpu_s']:>7.2f} {row['cpu_s'] / row['wall_s']:>8.2f}  {row['outcome']}")
        for line in row["failed"]:  # never lost: a failure in one worker count is a flaky test to find
            print(f"{'':>7} {line}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "suite.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
