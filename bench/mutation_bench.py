"""The checks' power by mutation (issue 10, build item 8): mutants of the correct reference system, one
verification session each.

    python3 bench/mutation_bench.py --sample 100 --seed 10 --jobs 2

1. **Coverage.** One session against the correct reference system under ``coverage`` (the reference runs
   in its own process: ``patch = subprocess``) gives the lines the correct design executes.
2. **Mutants.** :mod:`_mutants` makes every single-change mutant of those lines in the reference system's
   own modules (:data:`MODULES`; never the kit, the simulator, nor the process plumbing of ``server.py``).
   Nodes naming ``behaviour`` are left alone: they are the switches of the named faulty variants, which
   ``eprom-verify selftest`` already runs one by one.
3. **Sessions.** Each mutant (or a seeded sample) runs as selftest runs a variant: the package tree copied
   to a temporary folder, the one mutated module written there, ``python -m verification.selftest --one
   correct`` with ``PYTHONPATH`` on the copy, under ``nice``. Outcomes: *killed* (a check failed),
   *survived* (every check passed), *timeout* (killed by the time limit; counted as killed and said so),
   *incompetent* (the session could not start or ended in an error: counted apart, not as killed).
4. **Verdicts.** Survivors are judged by hand in :data:`VERDICTS` (``equivalent`` with the reason, or
   ``missed`` with the check that should catch it). The score is killed / (mutants - incompetent - equivalent).

Writes ``bench/results/mutation.json`` and ``bench/results/mutation-<date>.md`` (the table).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _mutants import Mutant, mentions_name, mutants, sample  # noqa: E402

PACKAGE = HERE.parent / "verification"
MODULES = ("app", "control", "inbound", "order_bodies", "outbound", "reading", "runtime", "store")
RESULTS = HERE / "results"
VERDICTS = HERE / "mutation_verdicts.yaml"
SESSION_TIMEOUT_S = 240.0


@dataclass
class MutantRun:
    mutant: Mutant
    outcome: str  # killed | survived | timeout | incompetent
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""


def executed_lines(work: Path) -> dict[str, set[int]]:
    """Lines of each reference module that one session against the correct design executes."""
    rc = work / ".coveragerc"
    rc.write_text(f"[run]\npatch = subprocess\nparallel = True\nsource = verification.reference\n"
                  f"data_file = {work / '.coverage'}\n", encoding="utf-8")
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "verification.selftest",
               "--one", "correct", "--session-dir", str(work / "session")]
    done = subprocess.run(["nice", *command], cwd=work, capture_output=True, text=True, timeout=SESSION_TIMEOUT_S,
                          env=_env(HERE.parent), check=False)
    if done.returncode != 0:
        raise SystemExit(f"the correct design's session failed under coverage ({done.returncode}):\n{done.stderr}")
    for step in (["combine"], ["json", "-o", str(work / "coverage.json")]):
        subprocess.run([sys.executable, "-m", "coverage", *step, f"--rcfile={rc}"], cwd=work, check=True,
                       capture_output=True)
    files = json.loads((work / "coverage.json").read_text(encoding="utf-8"))["files"]
    return {Path(name).stem: set(data["executed_lines"]) for name, data in files.items()}


def every_mutant(lines: dict[str, set[int]]) -> list[Mutant]:
    found: list[Mutant] = []
    for stem in MODULES:
        path = PACKAGE / "reference" / f"{stem}.py"
        found += mutants(path.read_text(encoding="utf-8"), path=f"verification/reference/{stem}.py", stem=stem,
                         lines=lines.get(stem, set()), skip=mentions_name("behaviour"))
    return found


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}


def run_mutant(mutant: Mutant, work: Path) -> MutantRun:
    """One session against the correct design with ``mutant`` in place, in a copy of the package."""
    from verification.selftest import read_run

    root = work / mutant.id
    shutil.copytree(PACKAGE, root / "verification", ignore=shutil.ignore_patterns("__pycache__"))
    (root / mutant.path).write_text(mutant.source, encoding="utf-8")
    session = root / "session"
    command = ["nice", sys.executable, "-m", "verification.selftest", "--one", "correct", "--session-dir", str(session)]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=SESSION_TIMEOUT_S,
                              env=_env(root), check=False)
    except subprocess.TimeoutExpired:
        return MutantRun(mutant, "timeout", seconds=SESSION_TIMEOUT_S, problem="no verdict within the time limit")
    seconds = round(time.monotonic() - started, 1)
    run = read_run(mutant.id, done.returncode, session, seconds)
    if run.problem:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return MutantRun(mutant, "incompetent", seconds=seconds, problem=f"{run.problem}: {tail}")
    shutil.rmtree(root, ignore_errors=True)
    return MutantRun(mutant, "killed" if run.failed else "survived", sorted(run.failed), seconds)


def load_verdicts() -> dict[str, dict[str, str]]:
    return yaml.safe_load(VERDICTS.read_text(encoding="utf-8")) or {} if VERDICTS.exists() else {}


def classify(run: MutantRun, verdicts: dict[str, dict[str, str]]) -> tuple[str, str]:
    """(classification, reason) of a run; a survivor's comes from the verdicts file, when it still matches."""
    if run.outcome == "killed":
        return "killed", ", ".join(run.failed)
    if run.outcome == "timeout":
        return "killed", "by timeout"
    if run.outcome == "incompetent":
        return "incompetent", run.problem
    verdict = verdicts.get(run.mutant.id)
    if not verdict or verdict.get("change") != run.mutant.change:
        return "unjudged", "no verdict for this mutant yet"
    return verdict["class"], verdict["reason"]


def score(rows: list[tuple[MutantRun, str, str]]) -> dict[str, float | int]:
    counts = Counter(kind for _, kind, _ in rows)
    judged = len(rows) - counts["incompetent"] - counts["equivalent"]
    return {**counts, "mutants": len(rows), "non_equivalent": judged,
            "score": round(100 * counts["killed"] / judged, 1) if judged else 0.0}


def write_table(rows: list[tuple[MutantRun, str, str]], totals: dict, header: str, path: Path) -> None:
    lines = [f"# Mutation score of the checks — {datetime.date.today().isoformat()}", "", header, "",
             "| " + " | ".join(f"{k}: {v}" for k, v in totals.items()) + " |", "",
             "| mutant | file:line | operator | change | outcome | classification | reason / failed checks |",
             "|---|---|---|---|---|---|---|"]
    for run, kind, reason in rows:
        m = run.mutant
        change = m.change.replace("|", "\\|").replace("\n", " ")[:120]
        lines.append(f"| {m.id} | {m.path.rsplit('/', 1)[1]}:{m.line} | {m.operator} | `{change}` | {run.outcome} "
                     f"| {kind} | {reason.replace('|', '/')} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rejudge() -> dict:
    """The table again from the last campaign's JSON, with the verdicts file as it is now."""
    saved = json.loads((RESULTS / "mutation.json").read_text(encoding="utf-8"))
    runs = [MutantRun(Mutant(r["id"], r["path"], r["line"], r["operator"], r["change"], ""), r["outcome"],
                      r["failed"], r["seconds"], r["problem"]) for r in saved["runs"]]
    return _report(runs, saved["header"], saved["sample"], saved["seed"], saved["mutants_total"])


def _report(runs: list[MutantRun], header: str, size: int, seed: int, total: int) -> dict:
    verdicts = load_verdicts()
    rows = [(run, *classify(run, verdicts)) for run in runs]
    totals = score(rows)
    RESULTS.mkdir(exist_ok=True)
    write_table(rows, totals, header, RESULTS / f"mutation-{datetime.date.today().isoformat()}.md")
    (RESULTS / "mutation.json").write_text(json.dumps(
        {"totals": totals, "sample": size, "seed": seed, "mutants_total": total, "header": header,
         "runs": [{**{k: v for k, v in asdict(run.mutant).items() if k != "source"}, "outcome": run.outcome,
                   "failed": run.failed, "seconds": run.seconds, "problem": run.problem,
                   "classification": kind, "reason": reason} for run, kind, reason in rows]},
        indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(totals))
    return totals


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="bench/mutation_bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=80, help="mutants to run, drawn with --seed (0: all)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1, help="sessions at a time")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--only", nargs="*", default=(), help="run these mutant ids")
    parser.add_argument("--rejudge", action="store_true",
                        help="no sessions: rebuild the table from results/mutation.json and the verdicts file")
    args = parser.parse_args(argv or [])
    if args.rejudge:
        return rejudge()
    work = Path(tempfile.mkdtemp(prefix="eprom-mutation-"))
    lines = executed_lines(work)
    found = every_mutant(lines)
    chosen = [m for m in found if m.id in args.only] if args.only else sample(found, args.sample or None, args.seed)
    print(f"{len(found)} mutants over {len(MODULES)} modules; running {len(chosen)} (seed {args.seed}), "
          f"{args.jobs} at a time, in {work}", flush=True)
    if args.list:
        for m in chosen:
            print(f"{m.id:18} {m.path}:{m.line:<4} {m.operator:12} {m.change[:100]}")
        return {}

    def one(mutant: Mutant) -> MutantRun:
        run = run_mutant(mutant, work)
        print(f"  {mutant.id:18} {run.outcome:11} {run.seconds:6.1f} s  {', '.join(run.failed) or run.problem}",
              flush=True)
        return run

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(one, chosen))
    header = (f"{len(found)} mutants of the executed lines of {', '.join(MODULES)}; {len(chosen)} run "
              f"(`--sample {args.sample} --seed {args.seed}`), {round(time.monotonic() - started)} s wall time. "
              "Score = killed / (run − incompetent − equivalent).")
    return _report(runs, header, args.sample, args.seed, len(found))


if __name__ == "__main__":
    main(sys.argv[1:])
