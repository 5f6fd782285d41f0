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
   to a temporary folder, the one mutated module written there, ``python -m verification.commands.selftest --one
   correct`` with ``PYTHONPATH`` on the copy, under ``nice``. Outcomes: *killed* (a check failed),
   *survived* (every check passed), *timeout* (killed by the time limit; counted as killed and said so),
   *incompetent* (the session could not start or ended in an error: counted apart, not as killed).
4. **Verdicts.** Survivors are judged by hand in :data:`VERDICTS`: ``equivalent`` (no stimulus ePROM can
   produce tells the difference, or the code is dead for ePROM's inputs), ``beyond-guide`` (a visible
   difference the guide does not rule on: a check failing it would be a false alarm for some correct
   design), or ``missed`` (with the check that should catch it). The score is killed / (mutants -
   incompetent - equivalent); ``score_within_guide`` also leaves out ``beyond-guide``. A survivor that made
   cases the correct design passes end *not verified* is shown as such (the kit claimed no pass there).

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
    not_verified: list[str] = field(default_factory=list)  # cases the correct design passes, here skipped


def executed_lines(work: Path) -> dict[str, set[int]]:
    """Lines of each reference module that one session against the correct design executes (measured
    again unless ``work`` already holds them: ``--reuse``, for a re-run on unchanged code)."""
    if (work / "coverage.json").exists():
        files = json.loads((work / "coverage.json").read_text(encoding="utf-8"))["files"]
        return {Path(name).stem: set(data["executed_lines"]) for name, data in files.items()}
    rc = work / ".coveragerc"
    # sigterm: a child stopped with SIGTERM (the reference system when its graceful stop runs long) still saves.
    rc.write_text(f"[run]\npatch = subprocess\nparallel = True\nsigterm = True\nsource = verification.reference\n"
                  f"data_file = {work / '.coverage'}\n", encoding="utf-8")
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "verification.commands.selftest",
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


def passed_cases(session: Path) -> set[str]:
    """The pytest cases a session passed, from its evidence bundle."""
    evidence = session / "evidence" / "evidence.json"
    if not evidence.exists():
        return set()
    return {case["nodeid"] for case in json.loads(evidence.read_text(encoding="utf-8"))["cases"]
            if case["outcome"] == "passed"}


def run_mutant(mutant: Mutant, work: Path, baseline: set[str] = frozenset()) -> MutantRun:
    """One session against the correct design with ``mutant`` in place, in a copy of the package."""
    from verification.commands.selftest import read_run

    root = work / mutant.id
    shutil.copytree(PACKAGE, root / "verification", ignore=shutil.ignore_patterns("__pycache__"))
    (root / mutant.path).write_text(mutant.source, encoding="utf-8")
    session = root / "session"
    command = ["nice", sys.executable, "-m", "verification.commands.selftest", "--one", "correct", "--session-dir", str(session)]
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
    # A survivor may still have kept the kit from a verdict on some case ("not verified"): shown, not counted.
    not_verified = sorted(baseline - passed_cases(session)) if not run.failed else []
    shutil.rmtree(root, ignore_errors=True)
    return MutantRun(mutant, "killed" if run.failed else "survived", sorted(run.failed), seconds,
                     not_verified=not_verified)


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
    """Killed over the non-equivalent mutants; ``score_within_guide`` also leaves out the ``beyond-guide``
    survivors (a difference the guide does not rule on, so no check may fail it)."""
    counts = Counter(kind for _, kind, _ in rows)
    judged = len(rows) - counts["incompetent"] - counts["equivalent"]
    within = judged - counts["beyond-guide"]
    return {**counts, "mutants": len(rows), "non_equivalent": judged,
            "score": round(100 * counts["killed"] / judged, 1) if judged else 0.0,
            "score_within_guide": round(100 * counts["killed"] / within, 1) if within else 0.0}


def write_table(rows: list[tuple[MutantRun, str, str]], totals: dict, header: str, path: Path) -> None:
    lines = [f"# Mutation score of the checks — {datetime.date.today().isoformat()}", "", header,
             "`score_within_guide` leaves out the `beyond-guide` survivors too: differences the guide does not "
             "rule on (a check failing them would be a false alarm for some correct design).", "",
             "| " + " | ".join(f"{k}: {v}" for k, v in totals.items()) + " |", "",
             "| mutant | file:line | operator | change | outcome | classification | reason / failed checks |",
             "|---|---|---|---|---|---|---|"]
    for run, kind, reason in rows:
        m = run.mutant
        change = m.change.replace("|", "\\|").replace("\n", " ")[:120]
        outcome = run.outcome + (f" ({len(run.not_verified)} cases not verified)" if run.not_verified else "")
        lines.append(f"| {m.id} | {m.path.rsplit('/', 1)[1]}:{m.line} | {m.operator} | `{change}` | {outcome} "
                     f"| {kind} | {reason.replace('|', '/')} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rejudge() -> dict:
    """The table again from the last campaign's JSON, with the verdicts file as it is now."""
    saved = json.loads((RESULTS / "mutation.json").read_text(encoding="utf-8"))
    runs = _saved_runs(saved)
    return _report(runs, saved["header"], saved["sample"], saved["seed"], saved["mutants_total"])


def _saved_runs(saved: dict) -> list[MutantRun]:
    return [MutantRun(Mutant(r["id"], r["path"], r["line"], r["operator"], r["change"], ""), r["outcome"],
                      r["failed"], r["seconds"], r["problem"], r.get("not_verified", [])) for r in saved["runs"]]


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
                   "not_verified": run.not_verified,
                   "classification": kind, "reason": reason} for run, kind, reason in rows]},
        indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(totals))
    return totals


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="bench/mutation_bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=70, help="mutants to run, drawn with --seed (0: all)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1, help="sessions at a time")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--only", nargs="*", default=(), help="run these mutant ids")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="the work folder of an earlier run on the same code: its coverage and baseline session")
    parser.add_argument("--rejudge", action="store_true",
                        help="no sessions: rebuild the table from results/mutation.json and the verdicts file")
    args = parser.parse_args(argv or [])
    if args.rejudge:
        return rejudge()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="eprom-mutation-"))
    lines = executed_lines(work)
    baseline = passed_cases(work / "session")
    found = every_mutant(lines)
    chosen = [m for m in found if m.id in args.only] if args.only else sample(found, args.sample or None, args.seed)
    print(f"{len(found)} mutants over {len(MODULES)} modules; running {len(chosen)} (seed {args.seed}), "
          f"{args.jobs} at a time, in {work}", flush=True)
    if args.list:
        for m in chosen:
            print(f"{m.id:18} {m.path}:{m.line:<4} {m.operator:12} {m.change[:100]}")
        return {}

    def one(mutant: Mutant) -> MutantRun:
        run = run_mutant(mutant, work, baseline)
        shown = ", ".join(run.failed) or run.problem or (f"not verified: {', '.join(run.not_verified)}"
                                                           if run.not_verified else "")
        print(f"  {mutant.id:18} {run.outcome:11} {run.seconds:6.1f} s  {shown}", flush=True)
        return run

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(one, chosen))
    if args.only and (RESULTS / "mutation.json").exists():  # a re-run of some mutants: merged into the campaign
        saved = json.loads((RESULTS / "mutation.json").read_text(encoding="utf-8"))
        fresh = {run.mutant.id: run for run in runs}
        runs = [fresh.pop(run.mutant.id, run) for run in _saved_runs(saved)] + list(fresh.values())
        return _report(runs, saved["header"], saved["sample"], saved["seed"], saved["mutants_total"])
    header = (f"{len(found)} mutants of the executed lines of {', '.join(MODULES)}; {len(chosen)} run "
              f"(`--sample {args.sample} --seed {args.seed}`), {round(time.monotonic() - started)} s wall time. "
              "Score = killed / (run − incompetent − equivalent).")
    return _report(runs, header, args.sample, args.seed, len(found))


if __name__ == "__main__":
    main(sys.argv[1:])
