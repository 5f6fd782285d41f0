"""Start-up time of the CLI: ``eprom-verify --help`` and ``eprom-verify checklist`` next to ``python -c pass``.

Median of 10 runs each, measured in the same run, reported as seconds and as a ratio to the baseline.
Goals (issue 2): --help under 0.3 s, checklist under 0.5 s on the 2-core machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 10
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "eprom-verify --help": [sys.executable, "-m", "verification.cli", "--help"],
    "eprom-verify checklist": [sys.executable, "-m", "verification.cli", "checklist"],
}


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> list[tuple[str, float, float]]:
    rows, baseline = [], None
    for name, command in COMMANDS.items():
        seconds = median_seconds(command)
        baseline = baseline or seconds
        rows.append((name, seconds, seconds / baseline))
    print(f"{'command':32} {'median s':>9} {'x baseline':>10}")
    for name, seconds, ratio in rows:
        print(f"{name:32} {seconds:9.3f} {ratio:10.1f}")
    return rows


if __name__ == "__main__":
    main()
