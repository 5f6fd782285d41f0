"""Evidence bundle of a 1,000-exchange session: generation time and size.

A session store with 1,000 exchanges (E1 orders with their answers, C1 status and C2 return callbacks with
free-text answers, the key and national ids in every one), 60 case outcomes (a fifth failing, with
deviations), then ``write_bundle`` in full: redaction, evidence.json, report.html, the leak scan and the
manifest. Median of 5 runs. Goals (issue 6): under 2 s, bundle under 5 MB (no screenshots).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verification.config import parse_target  # noqa: E402
from verification.evidence import CaseOutcome, write_bundle  # noqa: E402
from verification.recorder.store import Exchange, SessionStore  # noqa: E402
from verification.spec.checklist import catalogue_checks  # noqa: E402
from verification.spec.national_id import synthetic_national_ids  # noqa: E402

EXCHANGES, RUNS = 1_000, 5
GOAL_S, GOAL_MB = 2.0, 5.0
KEY = "bench-api-key-0123456789abcdef"
SYSTEM, EPROM = "http://127.0.0.1:18081", "http://127.0.0.1:18080/promswebapi"
PEOPLE = synthetic_national_ids(50, seed=6)


def target():
    return parse_target({
        "name": "Benchmark register", "environment": "test", "api_key": KEY,
        "bestillersystem": {"callback_base_url": SYSTEM, "capabilities": ["formorder", "signing"]},
        "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": True,
                   "paper": False}],
        "test_persons": PEOPLE[:2],
    }, environ={})


def exchange(number: int) -> Exchange:
    person, order = PEOPLE[number % len(PEOPLE)], f"00000000-0000-4000-8000-{number:012d}"
    kind = number % 3
    if kind == 0:
        body = {"formId": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "nationalId": person, "expiryDate": "2030-01-01",
                "metadata": json.dumps({"visit": number}), "distributionRule": "Basic"}
        answer = {"id": order, "singleUseCode": None, "loginUrl": f"https://proms2.hemit.org/proms/{order}",
                  "notificationChannel": "Helsenorge"}
        return Exchange("to_eprom", "system", "POST", f"{EPROM}/api/v2/formorder",
                        {"Authorization": f"Basic {KEY}", "Content-Type": "application/json"}, json.dumps(body),
                        200, {"Content-Type": "application/json"}, json.dumps(answer), 8.0)
    if kind == 1:
        body = {"apiKey": KEY, "formOrderId": order, "formOrderStatus": "Ordered", "notificationChannel": 1,
                "timestamp": "2025-01-01T10:00:00.1234567", "timestampUtc": "2025-01-01T09:00:00.1234567Z"}
    else:
        answers = {f"Question{q}": (q + number) % 5 for q in range(30)} | {"Kommentar": "Vondt i ryggen " * 4}
        body = {"apiKey": KEY, "formOrderId": order, "formOrderStatus": "Completed", "formData": json.dumps(answers),
                "signedFormId": "00000000-0000-0000-0000-000000000000", "formDataWarnings": [],
                "formOrderEventLog": [{"eventType": "FormOpened", "timestampUtc": "2025-01-01 09:00:00.000"}]}
    return Exchange("to_system", "simulator", "PUT", f"{SYSTEM}/api/PromsFormOrder",
                    {"Content-Type": "application/json"}, json.dumps(body), 200, {}, '{"success": true}', 3.0)


def outcomes() -> list[CaseOutcome]:
    checks = [entry.id for entry in catalogue_checks()]
    found = []
    for number in range(60):
        check = checks[number % len(checks)]
        ids = tuple(range(number * 16 + 1, number * 16 + 17))
        if number % 5 == 0:
            failure = {"check_id": check, "title": "deviation found", "severity": "major", "deviations": [
                {"field": "success", "received": False, "expected": True, "rule": "V1.2", "exchange_id": ids[0]}]}
            found.append(CaseOutcome(f"cases/test_bench.py::test_{number}", (check,), "failed",
                                     reason=f"{check}: deviation found", failure=failure, exchange_ids=ids))
        else:
            found.append(CaseOutcome(f"cases/test_bench.py::test_{number}", (check,), "passed", exchange_ids=ids))
    return found


def session(root: Path) -> Path:
    session_dir = root / "20250101T000000Z-bench"
    with SessionStore(session_dir / "session.sqlite", session=session_dir.name) as store, store.batch():
        for number in range(EXCHANGES):
            store.record(exchange(number))
    return session_dir


def measure() -> tuple[float, float, int]:
    times, size, files = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        session_dir, the_target, the_outcomes = session(Path(tmp)), target(), outcomes()
        for _ in range(RUNS):
            with SessionStore(session_dir / "session.sqlite") as store:
                started = time.perf_counter()
                result = write_bundle(session_dir, outcomes=the_outcomes, target=the_target, store=store,
                                      profile="certification")
                times.append(time.perf_counter() - started)
            assert not result.leaks, result.lines()
        bundle_files = [p for p in result.bundle_dir.rglob("*") if p.is_file()]
        size, files = sum(p.stat().st_size for p in bundle_files), len(bundle_files)
    return statistics.median(times), size / 1_000_000, files


def main() -> tuple[float, float]:
    seconds, megabytes, files = measure()
    print(f"bundle of a {EXCHANGES}-exchange session, median of {RUNS} runs")
    print(f"  generation: {seconds:6.3f} s   (goal < {GOAL_S} s)   {'ok' if seconds < GOAL_S else 'OVER'}")
    print(f"  size:       {megabytes:6.2f} MB  (goal < {GOAL_MB} MB, {files} files)   "
          f"{'ok' if megabytes < GOAL_MB else 'OVER'}")
    return seconds, megabytes


if __name__ == "__main__":
    main()
