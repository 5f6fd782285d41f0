"""Issue 4 figures, in one run, on one receiver: the bundled correct ordering system behind the simulator.

(a) callbacks judged per second by the kit, sequentially: C1 sent with ``SystemUnderVerification.
    send_callback`` (recorded in the session store) and judged with the R-STATUS-ORDERED check function,
    as a ratio to a plain ``http.client`` keep-alive loop sending the same requests (goal ≥ 0.5);
(b) examples per second of the R-ENUM-FORMS fuzz (certification profile: the documented cases, then
    hypothesis' examples, every one recorded and judged) as a ratio to ``schemathesis run`` with the same
    number of cases against ``bench/openapi/promsformorder.yaml`` (goal ≥ 2). Schemathesis' rate is taken
    twice: over the wall time of the command (what its user waits for) and over the duration it reports
    for its own run; the goal is judged on the first, both are recorded;
(c) wall time of ``eprom-verify run TARGET --profile quick`` on the demo target (goal < 30 s).

Writes ``bench/results/issue4.json``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from verification.checks.receiver import check_status_ordered
from verification.config import load_target
from verification.commands.demo import DEMO_KEY_VARIABLE, free_port, write_demo_target
from verification.recorder.store import SessionStore
from verification.reference import run_reference_system
from verification.simulator import SimulatorSettings, run_simulator
from verification.spec.enums import NotificationChannel
from verification.spec.wire import order_status_callback
from verification.scenarios.fuzz import MEANINGS_OF, OrderPair, placed_orders, run_fuzz_plan
from verification.stimuli.profiles import profile_settings
from verification.system import SystemUnderVerification

HERE = Path(__file__).resolve().parent
SPEC = HERE / "openapi" / "promsformorder.yaml"
CALLBACKS = 500
ROUNDS = 5


@contextmanager
def reference_receiver(folder: Path) -> Iterator[tuple[Any, SystemUnderVerification, Any]]:
    """The correct reference system, its simulator and the kit's view of it, wired as ``demo`` does."""
    os.environ.setdefault(DEMO_KEY_VARIABLE, "bench-key-issue4")
    port = free_port()
    with run_reference_system(eprom_base_url=f"http://127.0.0.1:{port}/promswebapi",
                              api_key=os.environ[DEMO_KEY_VARIABLE], db_path=str(folder / "reference.sqlite")) as ref:
        write_demo_target(folder / "target.yaml", eprom_port=port, reference=ref)
        target = load_target(folder / "target.yaml")
        with SessionStore(folder / "session.sqlite", session="bench") as store:
            settings = SimulatorSettings.from_target(target, store_path=str(store.path))
            with run_simulator(settings, host="127.0.0.1", port=port) as simulator:
                system = SystemUnderVerification(target, store)
                try:
                    yield target, system, simulator
                finally:
                    system.close()


# --- (a) callbacks judged per second ---------------------------------------------------------------------


def c1_bodies(order_id: str, key: str) -> list[dict[str, Any]]:
    channels, styles = list(NotificationChannel), ("name", "int", "str-int")
    return [order_status_callback(form_order_id=order_id, api_key=key, channel=channels[i % len(channels)],
                                  enum_style=styles[i % len(styles)]) for i in range(CALLBACKS)]


def kit_judged_per_second(system: SystemUnderVerification, bodies: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for body in bodies:
        check_status_ordered([system.send_callback("C1", body)])  # raises CheckFailure on a refusal
    return len(bodies) / (time.perf_counter() - started)


def plain_per_second(url: str, bodies: list[dict[str, Any]]) -> float:
    """The same requests from a bare ``http.client`` keep-alive loop: no recording, no judging."""
    parts = urlsplit(url)
    payloads = [json.dumps(body, ensure_ascii=False).encode() for body in bodies]
    headers = {"Content-Type": "application/json; charset=utf-8"}
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        started = time.perf_counter()
        for payload in payloads:
            connection.request("PUT", parts.path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
        return len(payloads) / (time.perf_counter() - started)
    finally:
        connection.close()


def httpx_per_second(url: str, bodies: list[dict[str, Any]]) -> float:
    """The same requests through httpx's own transport, keep-alive, nothing recorded or judged: what any
    client built on httpx (a team rule) costs before the kit adds anything."""
    payloads = [json.dumps(body, ensure_ascii=False).encode() for body in bodies]
    headers = {"Content-Type": "application/json; charset=utf-8"}
    with httpx.HTTPTransport(trust_env=False) as transport:
        started = time.perf_counter()
        for payload in payloads:
            response = transport.handle_request(httpx.Request("PUT", url, content=payload, headers=headers))
            response.read()
            assert response.status_code == 200, response.status_code
        return len(payloads) / (time.perf_counter() - started)


def judged_callbacks(system: SystemUnderVerification, order_id: str) -> dict[str, Any]:
    bodies = c1_bodies(order_id, system.target.api_key.reveal())
    kit, plain, bare_httpx = [], [], []
    for _ in range(ROUNDS):  # alternate, so all meet the same server state; the median of each
        kit.append(kit_judged_per_second(system, bodies))
        plain.append(plain_per_second(system.callback_url("C1"), bodies))
        bare_httpx.append(httpx_per_second(system.callback_url("C1"), bodies))
    kit_rate, plain_rate, httpx_rate = statistics.median(kit), statistics.median(plain), statistics.median(bare_httpx)
    return {"callbacks": len(bodies), "rounds": ROUNDS, "kit_per_s": kit_rate, "plain_per_s": plain_rate,
            "ratio": kit_rate / plain_rate, "goal": ">= 0.5",
            "httpx_per_s": httpx_rate, "httpx_ratio": httpx_rate / plain_rate, "kit_to_httpx": kit_rate / httpx_rate}


# --- (b) R-ENUM-FORMS fuzz vs schemathesis ----------------------------------------------------------------


def pinned_spec(folder: Path, key: str, orders: OrderPair) -> Path:
    """The checked-in description with apiKey and formOrderId pinned to this receiver's key and orders."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for schema, order_id in (("OrderStatus", orders.status_orders[0][0]), ("FormReturn", orders.return_order_id)):
        schemas[schema]["properties"]["apiKey"] = {"type": "string", "enum": [key]}
        schemas[schema]["properties"]["formOrderId"] = {"type": "string", "enum": [order_id]}
    path = folder / "promsformorder.pinned.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def schemathesis_run(spec: Path, base_url: str, cases: int, folder: Path) -> dict[str, Any]:
    executable = shutil.which("schemathesis") or shutil.which("st")
    if executable is None:
        raise SystemExit("schemathesis is not installed: pip install -e '.[bench]'")
    command = [executable, "run", str(spec), "--url", base_url, "--max-examples", str(cases), "--phases", "fuzzing",
               "--mode", "positive", "--checks", "not_a_server_error,status_code_conformance",
               "--generation-database", "none", "--seed", "1", "--workers", "1", "--no-color",
               "--report-dir", str(folder / "schemathesis")]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    generated = re.search(r"(\d+) generated", done.stdout)
    reported = re.search(r" in ([\d.]+)s =+", done.stdout)
    if done.returncode != 0 or generated is None:
        raise SystemExit(f"schemathesis run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    sent = int(generated.group(1))
    return {"cases": sent, "wall_s": wall, "reported_s": float(reported.group(1)) if reported else None,
            "per_s_wall": sent / wall, "per_s_reported": sent / float(reported.group(1)) if reported else None}


def enum_forms_versus_schemathesis(system: SystemUnderVerification, orders: OrderPair, folder: Path) -> dict[str, Any]:
    run = run_fuzz_plan(system, "R-ENUM-FORMS", orders, profile="certification")
    if run.rejected:
        raise SystemExit(f"the correct system refused {len(run.rejected)} R-ENUM-FORMS examples")
    kit_rate = len(run.exchanges) / run.elapsed_s
    spec = pinned_spec(folder, system.target.api_key.reveal(), orders)
    st = schemathesis_run(spec, system.settings.callback_base_url, len(run.exchanges), folder)
    return {
        "kit_examples": len(run.exchanges), "kit_s": run.elapsed_s, "kit_per_s": kit_rate,
        "kit_profile": "certification", "kit_max_examples": profile_settings("certification").max_examples,
        "schemathesis": st, "ratio": kit_rate / st["per_s_wall"],
        "ratio_to_reported_duration": kit_rate / st["per_s_reported"] if st["per_s_reported"] else None,
        "goal": ">= 2",
    }


# --- (c) eprom-verify run, quick profile ------------------------------------------------------------------


def run_quick_wall(folder: Path) -> dict[str, Any]:
    """``eprom-verify run`` on the demo target (the reference system started as ``demo`` does)."""
    os.environ.setdefault(DEMO_KEY_VARIABLE, "bench-key-issue4")
    port = free_port()
    with run_reference_system(eprom_base_url=f"http://127.0.0.1:{port}/promswebapi",
                              api_key=os.environ[DEMO_KEY_VARIABLE],
                              db_path=str(folder / "run-reference.sqlite")) as reference:
        target = folder / "run-target.yaml"
        write_demo_target(target, eprom_port=port, reference=reference)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "verification.cli", "run", str(target), "--profile", "quick",
                               "--report-dir", str(folder / "reports"), "-q"], capture_output=True, text=True)
        wall = time.perf_counter() - started
    summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return {"wall_s": wall, "exit_code": done.returncode, "summary": summary[-1] if summary else "", "goal": "< 30"}


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with reference_receiver(folder) as (target, system, simulator):
            ids, problems = placed_orders(system, simulator, form_id=target.forms[0].id,
                                          national_id=target.test_persons[0], count=3)
            if len(ids) < 3:
                raise SystemExit(f"the reference system placed no orders: {problems}")
            results["judged_callbacks"] = judged_callbacks(system, ids[0])
            meanings = MEANINGS_OF["R-ENUM-FORMS"]  # one order per C1 meaning: ePROM sends one C1 per order
            status_ids, more = placed_orders(system, simulator, form_id=target.forms[0].id,
                                             national_id=target.test_persons[0], count=len(meanings), kit_c1=True)
            if len(status_ids) < len(meanings):
                raise SystemExit(f"the reference system placed no orders: {more}")
            orders = OrderPair(tuple(zip(status_ids, meanings, strict=True)), ids[2])
            results["enum_forms_fuzz"] = enum_forms_versus_schemathesis(system, orders, folder)
        results["run_quick"] = run_quick_wall(folder)
    print_table(results)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "issue4.json").write_text(json.dumps(results, indent=2))
    return results


def print_table(results: dict[str, Any]) -> None:
    judged, fuzz, run = results["judged_callbacks"], results["enum_forms_fuzz"], results["run_quick"]
    st = fuzz["schemathesis"]
    rows = [
        (f"(a) kit: C1 sent, recorded, judged (/s, n={judged['callbacks']})", f"{judged['kit_per_s']:.0f}", ""),
        ("(a) plain http.client loop, same requests (/s)", f"{judged['plain_per_s']:.0f}", ""),
        ("(a) ratio kit / plain", f"{judged['ratio']:.2f}", ">= 0.5"),
        ("(a) bare httpx transport, same requests (/s)", f"{judged['httpx_per_s']:.0f}", ""),
        ("(a) ratio bare httpx / plain (floor of an httpx client)", f"{judged['httpx_ratio']:.2f}", ""),
        (f"(b) R-ENUM-FORMS fuzz examples/s (n={fuzz['kit_examples']})", f"{fuzz['kit_per_s']:.0f}", ""),
        (f"(b) schemathesis run cases/s, wall (n={st['cases']})", f"{st['per_s_wall']:.0f}", ""),
        ("(b) ratio kit / schemathesis run (wall)", f"{fuzz['ratio']:.2f}", ">= 2"),
        ("(b) schemathesis cases/s over its reported duration",
         f"{st['per_s_reported']:.0f}" if st["per_s_reported"] else "-", ""),
        ("(b) ratio kit / schemathesis (reported duration)",
         f"{fuzz['ratio_to_reported_duration']:.2f}" if fuzz["ratio_to_reported_duration"] else "-", ""),
        (f"(c) eprom-verify run --profile quick, wall (s), exit {run['exit_code']}", f"{run['wall_s']:.1f}", "< 30"),
    ]
    print(f"{'figure':62} {'value':>8} {'goal':>8}")
    for name, value, goal in rows:
        print(f"{name:62} {value:>8} {goal:>8}")


if __name__ == "__main__":
    main()
