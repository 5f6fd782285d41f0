"""Production safety of ``eprom-verify run``: a target declared ``environment: production`` is refused with
exit 4 before anything is sent. The system's callback URL, trigger and probes point at a listening socket;
any connection the run made would wait in its backlog, so an empty backlog proves nothing was sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from verification.cli import main


@contextmanager
def listening() -> Iterator[tuple[str, socket.socket]]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", sock


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_run_refuses_a_production_target_before_the_first_request(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("EPROM_TEST_KEY", "production-key-never-used")
    with listening() as (system_url, system_socket), listening() as (eprom_url, eprom_socket):
        target = {
            "name": "A registry in production",
            "environment": "production",
            "api_key": "${EPROM_TEST_KEY}",
            "eprom": {"mode": "simulator", "listen": eprom_url.removeprefix("http://")},
            "bestillersystem": {
                "callback_base_url": system_url,
                "trigger": {"url": f"{system_url}/_trigger/order"},
                "probe": {"status": f"{system_url}/_probe/status/{{formOrderId}}"},
                "capabilities": ["formorder", "message", "personvern"],
            },
            "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                       "paper": False}],
        }
        path = tmp_path / "target.yaml"
        path.write_text(yaml.safe_dump(target), encoding="utf-8")
        code = main(["run", str(path), "--report-dir", str(tmp_path / "reports")])
        assert code == 4
        assert connections(system_socket) == 0 and connections(eprom_socket) == 0, "nothing may be sent"
    assert "environment is production" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists(), "refused before a session was opened"
