"""The session store holds raw exchanges (the API key, national ids): owner-only files, WAL included."""

from __future__ import annotations

import stat
from pathlib import Path

from verification.recorder.store import Exchange, SessionStore


def test_the_store_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path):
    path = tmp_path / "session" / "session.sqlite"
    with SessionStore(path) as store:
        store.record(Exchange(direction="to_eprom", actor="system", method="POST", url="http://127.0.0.1:1/x",
                              request_headers={"authorization": "Basic the-raw-key"}))
        files = sorted(p for p in path.parent.iterdir() if p.name.startswith("session.sqlite"))
        assert {"session.sqlite", "session.sqlite-wal"} <= {p.name for p in files}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


def test_reopening_keeps_the_exchanges(tmp_path: Path):
    path = tmp_path / "session.sqlite"
    with SessionStore(path) as store:
        store.record(Exchange(direction="to_eprom", actor="system", method="GET", url="http://127.0.0.1:1/x"))
    with SessionStore(path) as store:
        assert store.count() == 1
