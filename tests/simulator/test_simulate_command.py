"""``eprom-verify simulate`` for development (issue 13, finding 8: no request log, ``GET /_sim/`` answered
404, the admin API had to be guessed): ``--open`` prints the URLs, every request gets a log line with the
check that would judge it, and ``GET /_sim/`` lists the admin API."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import yaml

from verification.commands.demo import free_port
from verification.simulator.request_log import JUDGED_BY
from verification.spec.checklist import load_checklist

ROOT = Path(__file__).resolve().parents[2]


def test_every_check_a_log_line_names_exists():
    known = {entry.id for entry in load_checklist()}
    assert {check for checks in JUDGED_BY.values() for check in checks} <= known


def _lines(stream) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _until(lines: queue.Queue[str], text: str, timeout: float = 30.0) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
        except queue.Empty:
            break
        if text in seen[-1]:
            return seen
    raise AssertionError(f"{text!r} not printed within {timeout}s; got {seen}")


def test_simulate_prints_the_urls_and_a_line_per_request(tmp_path: Path):
    port = free_port()
    target = tmp_path / "target.yaml"
    target.write_text(yaml.safe_dump({
        "name": "Simulate test", "environment": "test", "api_key": "simulate-key-0123456789",
        "eprom": {"mode": "simulator", "listen": f"127.0.0.1:{port}"},
        "bestillersystem": {"callback_base_url": f"http://127.0.0.1:{free_port()}", "capabilities": ["formorder"]},
        "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                   "paper": False}],
    }))
    process = subprocess.Popen([sys.executable, "-m", "verification.cli", "simulate", str(target), "--open"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _lines(process.stdout)
        banner = "".join(_until(lines, "every request is logged below"))
        assert f"http://127.0.0.1:{port}/_sim/openapi.json" in banner and "/api/PromsFormOrder" in banner
        # every endpoint the system may call, not only E1 and E3 (a blind trial had to guess E2 and E4–E7)
        for path in ("/api/ExternalDocument/", "/api/unsecuremessagesms", "/api/v2/setpersonverninnstilling"):
            assert f"http://127.0.0.1:{port}/promswebapi{path}" in banner, path
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            index = client.get("/_sim/")
            client.post("/promswebapi/api/v2/formorder", json={"formId": "not a guid"},
                        headers={"Authorization": "Basic simulate-key-0123456789"})
        assert index.status_code == 200
        assert ("GET", "/_sim/wait") in {(entry["method"], entry["path"]) for entry in index.json()["admin"]}
        line = _until(lines, "/promswebapi/api/v2/formorder")[-1]
        assert "system → ePROM  POST /promswebapi/api/v2/formorder  400" in line
        assert " ms  E1  judged by S-ORDER-BODY" in line
    finally:
        process.terminate()
        process.wait(timeout=20)
