"""Run every benchmark of ``bench/`` (or those named): ``python3 bench/run.py [startup simulator …]``.

The campaigns (``mutation_bench``, about an hour; ``hostile_table``, about 8 minutes; ``suite_bench``, about
12 minutes) run only when named.

Each bench module exposes ``main()``, prints its own table, and writes ``bench/results/<name>.json``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAMPAIGNS = {"mutation_bench", "hostile_table", "suite_bench"}


def bench_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"} and not p.stem.startswith("_"))


def main(names: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    for name in names or [name for name in bench_names() if name not in CAMPAIGNS]:
        print(f"\n== {name} ==")
        importlib.import_module(name).main()


if __name__ == "__main__":
    main(sys.argv[1:])
