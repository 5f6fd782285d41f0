"""Issue 12's hostile table: each hostile case as a measured ``eprom-verify run`` under ``/usr/bin/time -v``.

    python3 bench/hostile_table.py                     # every case (about 10 minutes on the 2-core machine)
    python3 bench/hostile_table.py gzip-bomb setsid-orphan   # only these

Each case is a system the kit verifies: a hostile peer from ``tests/hostile/hostile_peers.py`` (served here, in
threads of this process), a hostile trigger command, or the bundled reference system (correct, or with many
faults at once). The peers answer the doctor's ``OPTIONS`` like a healthy server, so the hostility meets the
cases themselves, not only the doctor's first look.

Per case: the stated bound (``budgets.run_s`` + :data:`SLACK_S`), the wall time and the peak RSS of the largest
process of the run (GNU time's ``Maximum resident set size``: the kit, its pytest, the simulator, the commands),
the exit code, the processes left afterwards (every process of the run carries a marker in its environment; a
trigger command carries it in its command line as well), and secrets found in ``evidence/`` by a scan of its
own (the raw API key, any 12-character run of it, its base64 and the test person's national id). The machine's
load average is printed with each row: other processes share the cores. Writes ``bench/results/hostile_table.json``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "hostile"))

import hostile_peers  # noqa: E402  (the peers of the hostile tests, served as systems)

RUN_S = 30.0  # budgets.run_s of the hostile cases: short enough that the deadline is what ends most of them
SLACK_S = 5.0  # tear-down and the bundle after the deadline (issue 12: "a small stated slack")
NATIONAL_ID = "26670271527"
FORM = {"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False, "paper": False}
MANY_FAULTS = (  # a system failing many checks: faults on both sides, one of them echoes secrets back
    "missing_auth_check", "stores_duplicates", "names_only_enums", "crashes_on_unknown_fields", "leaks_stack_traces",
    "crashes_on_malformed_json", "no_trailing_slash_route", "accepts_any_method", "drops_expired",
    "rfc_basic_auth", "key_in_body", "text_plain_content_type", "metadata_as_object", "retries_client_errors",
    "letter_as_html", "expiry_in_past",
)


@dataclass
class Case:
    name: str
    what: str
    peer: str | None = "correct"  # a behaviour of hostile_peers.BEHAVIOURS, served as the system
    trigger_command: str | None = None  # a shell trigger command ({mark} is the leftover marker)
    reference: str | None = None  # "correct" or "many-faults": the bundled reference system
    run_s: float | None = RUN_S  # None: the profile's default (90 s for quick)

    @property
    def bound_s(self) -> float:
        return (self.run_s or 90.0) + SLACK_S


CASES = [
    Case("gzip-bomb", "every answer a 1 MB gzip body inflating to 1 GB", peer="gzip-bomb"),
    Case("50mb-response", "every answer a 50 MB body", peer="50mb-body"),
    Case("trigger-prints-10mb", "the trigger command prints 10 MB",
         trigger_command="head -c 10485760 /dev/zero | tr '\\0' x # {mark}"),
    Case("never-answers", "accepts connections and never answers", peer="never-answers"),
    Case("one-byte-a-second", "answers one byte every 0.5 s", peer="one-byte-a-second"),
    Case("endless-chunks", "a chunked body that never ends", peer="endless-chunks"),
    Case("trigger-takes-60s", "the trigger URL answers after 60 s", peer="trigger-takes-60s"),
    Case("hanging-trigger-command", "the trigger command and its child hang",
         trigger_command="(sleep {mark} &); sleep {mark}"),
    Case("setsid-orphan", "the trigger command leaves setsid and double-forked sleepers",
         trigger_command="setsid sleep {mark} > /dev/null 2>&1 & (sh -c 'sleep {mark} &' &) ; echo '{{}}'"),
    Case("form-returns-after-15s", "callbacks (C1-C4) answered after 15 s", peer="callbacks-take-15s"),
    Case("many-failing-checks", f"the reference system with {len(MANY_FAULTS)} faults", peer=None,
         reference="many-faults", run_s=None),
    Case("correct-system", "the bundled reference system, correct", peer=None, reference="correct", run_s=None),
]


def peer_target(base: str, case: Case, mark: str, api_key: str) -> dict[str, Any]:
    trigger: dict[str, Any] = {"timeout_s": 30}
    if case.trigger_command:
        trigger["command"] = ["sh", "-c", case.trigger_command.format(mark=mark)]
    else:
        trigger |= {"url": f"{base}/_trigger/order", "message": {"url": f"{base}/_trigger/message"},
                    "personvern": {"url": f"{base}/_trigger/personvern"}}
    return {
        "name": f"hostile: {case.name}", "environment": "test", "api_key": api_key,
        "eprom": {"mode": "simulator", "listen": "127.0.0.1:0"},
        "bestillersystem": {"callback_base_url": base, "trigger": trigger,
                            "probe": {"status": f"{base}/_probe/status/{{formOrderId}}"},
                            "capabilities": ["formorder", "message", "personvern"]},
        "forms": [FORM], "test_persons": [NATIONAL_ID],
        "budgets": {"callback_s": 5, "run_s": case.run_s},
    }


def reference_target(stack: ExitStack, case: Case, folder: Path, api_key: str) -> dict[str, Any]:
    from verification.commands.demo import free_port, write_demo_target
    from verification.reference import run_reference_system
    from verification.reference.behaviour import CORRECT

    behaviour = CORRECT if case.reference == "correct" else replace(CORRECT, **dict.fromkeys(MANY_FAULTS, True))
    port = free_port()
    reference = stack.enter_context(run_reference_system(
        eprom_base_url=f"http://127.0.0.1:{port}/promswebapi", api_key=api_key, behaviour=behaviour,
        db_path=str(folder / "reference.sqlite")))
    write_demo_target(folder / "target.yaml", eprom_port=port, reference=reference)
    document = yaml.safe_load((folder / "target.yaml").read_text())
    document["api_key"] = api_key
    if case.run_s is not None:
        document["budgets"] = {"callback_s": 10, "run_s": case.run_s}
    return document


def leftovers(mark: str) -> list[str]:
    """Processes (not this one) whose environment or command line carries ``mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if mark.encode() in (entry / "environ").read_bytes() + command:
                shown = command.replace(b"\0", b" ").decode(errors="replace")[:80]
                found.append(f"{entry.name}: {shown}")
        except OSError:
            continue  # gone meanwhile, or not ours
    return found


def secrets_in(evidence: Path, api_key: str) -> list[str]:
    """What of the key or the national id a scan of its own finds in ``evidence/``."""
    needles = {"raw key": api_key, "national id": NATIONAL_ID,
               "base64 key": base64.b64encode(api_key.encode()).decode().rstrip("=")[:16]}
    needles |= {f"key[{start}:{start + 12}]": api_key[start:start + 12] for start in range(0, len(api_key) - 11, 4)}
    found = []
    for path in sorted(evidence.rglob("*")) if evidence.is_dir() else ():
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            found += [f"{path.name}: {name}" for name, needle in needles.items() if needle in text]
    return found


def measure(case: Case, workdir: Path) -> dict[str, Any]:
    mark = f"4000.{secrets.randbelow(10**9)}"  # a sleep's duration no other process has
    api_key = f"hostile-{secrets.token_urlsafe(24)}"
    folder = workdir / case.name
    folder.mkdir()
    env = {**os.environ, "EPROM_HOSTILE_BENCH_MARK": mark}
    with ExitStack() as stack:
        if case.reference:
            document = reference_target(stack, case, folder, api_key)
        else:
            behaviour = hostile_peers.answers_the_doctor(hostile_peers.BEHAVIOURS[case.peer or "correct"]())
            base = stack.enter_context(hostile_peers.hostile_server(behaviour))
            document = peer_target(base, case, mark, api_key)
        (folder / "target.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
        load = Path("/proc/loadavg").read_text().split()[0]
        started = time.monotonic()
        done = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, "-m", "verification.cli", "run", str(folder / "target.yaml"),
             "--report-dir", str(folder / "reports"), "-q"],
            capture_output=True, text=True, env=env, timeout=case.bound_s + 300, check=False)
        wall = time.monotonic() - started
    time.sleep(1.0)  # a SIGKILL is delivered asynchronously: what is left after a second stays
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    sessions = sorted((folder / "reports").glob("*/evidence"))
    return {
        "case": case.name, "what": case.what, "bound_s": case.bound_s, "wall_s": round(wall, 1),
        "peak_rss_mb": round(rss_kb / 1024), "exit": _exit_code(done.stderr), "load": float(load),
        "left": leftovers(mark), "secrets": secrets_in(sessions[-1], api_key) if sessions else ["no evidence/"],
        "output": done.stdout.strip().splitlines()[-40:],
    }


def _exit_code(time_output: str) -> int:
    found = re.search(r"Exit status: (\d+)", time_output)
    return int(found.group(1)) if found else 0


def main(names: list[str] | None = None) -> list[dict[str, Any]]:
    chosen = [case for case in CASES if not names or case.name in names]
    rows = []
    workdir = Path(tempfile.mkdtemp(prefix="hostile-table-"))
    try:
        for case in chosen:
            row = measure(case, workdir)
            rows.append(row)
            print(json.dumps({key: row[key] for key in row if key != "output"}), flush=True)
    finally:
        if os.environ.get("HOSTILE_TABLE_KEEP"):  # the session folders, for a closer look
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "hostile_table.json").write_text(json.dumps(rows, indent=2))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| case | bound | wall | peak RSS | exit | processes left | secrets in evidence/ | load |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        within = "" if row["wall_s"] <= row["bound_s"] else " (over)"
        lines.append(f"| {row['case']} | {row['bound_s']:g} s | {row['wall_s']:g} s{within} | {row['peak_rss_mb']} MB "
                     f"| {row['exit']} | {len(row['left'])} | {len(row['secrets']) or 'none'} | {row['load']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
