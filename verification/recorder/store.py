"""The session store: every exchange of a verification session, in either direction, in one SQLite file.

Checks read the store and nothing else does the network. Several processes write to the same file (the
simulator in its own process, the kit's client in the test process, the relay), so the database runs in
WAL mode with a busy timeout. Waiting for an exchange recorded *in this process* is a condition wait;
an exchange recorded by another process is awaited through that process (the simulator's ``/_sim/wait``).

One connection per process per file: every :class:`SessionStore` on the same file in one process shares
it (reference-counted). SQLite's locks are POSIX ``fcntl`` locks, and closing *any* descriptor of a file
drops every such lock the process holds on it; a second connection, or an ``os.open``/``close`` to set the
file's mode, is how a store gets corrupted. The file is therefore created owner-only *before* SQLite
ever opens it, and never opened by anything else while it is live.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

__all__ = ["Exchange", "SessionStore", "Direction", "Actor", "now_iso", "integrity_problems", "create_owner_only"]

Direction = Literal["to_eprom", "to_system"]
Actor = Literal["system", "simulator", "kit", "relay"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL,
    direction TEXT NOT NULL,
    actor TEXT NOT NULL,
    started_at TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    request_headers TEXT NOT NULL,
    request_body TEXT NOT NULL,
    status INTEGER,
    response_headers TEXT NOT NULL,
    response_body TEXT NOT NULL,
    latency_ms REAL,
    error TEXT,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_outcomes (nodeid TEXT PRIMARY KEY, outcome TEXT NOT NULL);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Exchange:
    """One HTTP request and its answer (or the error that took its place)."""

    direction: Direction
    actor: Actor
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    latency_ms: float | None = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    started_at: str = field(default_factory=now_iso)
    session: str = ""
    id: int | None = None

    @property
    def path(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url).path

    def json_request(self) -> Any:
        """The request body as JSON, or ``None`` when it is not JSON."""
        return _loads(self.request_body)

    def json_response(self) -> Any:
        return _loads(self.response_body)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _loads(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


class _Connection:
    """The process's one connection to a store file, shared by every :class:`SessionStore` on it."""

    def __init__(self, path: Path):
        create_owner_only(path)  # raw exchanges hold the API key and national ids
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.lock = threading.Lock()
        self.recorded = threading.Condition(self.lock)
        self.users = 0


_connections: dict[tuple[int, Path], _Connection] = {}  # (pid, resolved path): a forked child opens its own
_connections_lock = threading.Lock()


def create_owner_only(path: Path) -> None:
    """Make the SQLite file at ``path`` owner-only without opening a live database. A new file is
    created 0600 before SQLite opens it (its -wal and -shm files take the database file's mode); an
    existing one is only chmod-ed (by path: no descriptor is opened, so no lock can be dropped)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # a new inode: nobody locks it
    except FileExistsError:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                if name.stat().st_mode & 0o077:
                    os.chmod(name, 0o600)
            except FileNotFoundError:
                pass


def integrity_problems(db: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check``'s findings; empty when the database is sound."""
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


class SessionStore:
    """Append-only log of exchanges plus a small key/value table describing the session."""

    def __init__(self, path: str | Path, *, session: str = ""):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.session = session or self.path.parent.name
        key = (os.getpid(), self.path.resolve())
        with _connections_lock:
            connection = _connections.get(key)
            if connection is None:
                connection = _connections[key] = _Connection(self.path)
            connection.users += 1
        self._key, self._connection, self._closed = key, connection, False
        self._db, self._lock, self._recorded = connection.db, connection.lock, connection.recorded

    def close(self) -> None:
        """Release this store; the connection closes with the last store of the process on the file."""
        with _connections_lock:
            if self._closed:
                return
            self._closed = True
            self._connection.users -= 1
            if self._connection.users == 0:
                if _connections.get(self._key) is self._connection:
                    del _connections[self._key]
                with self._lock:
                    self._db.close()

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` on the store; empty when it is sound."""
        with self._lock:
            return integrity_problems(self._db)

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, exchange: Exchange) -> int:
        """Append ``exchange``; returns and sets its id, and wakes in-process waiters."""
        exchange.session = exchange.session or self.session
        row = _to_row(exchange)
        with self._recorded:
            cursor = self._db.execute(
                f"INSERT INTO exchanges ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            exchange.id = int(cursor.lastrowid or 0)
            self._recorded.notify_all()
        return exchange.id

    def exchanges(
        self,
        *,
        direction: Direction | None = None,
        actor: Actor | None = None,
        method: str | None = None,
        path_suffix: str | None = None,
        since_id: int = 0,
        meta: dict[str, Any] | None = None,
    ) -> list[Exchange]:
        """Exchanges in recording order; ``path_suffix`` matches case-insensitively, ignoring a trailing /."""
        clauses, params = ["id > ?"], [since_id]
        for column, value in (("direction", direction), ("actor", actor), ("method", method)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM exchanges WHERE {' AND '.join(clauses)} ORDER BY id", params
            ).fetchall()
        found = [_from_row(row) for row in rows]
        if path_suffix is not None:
            wanted = path_suffix.lower().rstrip("/")
            found = [ex for ex in found if ex.path.lower().rstrip("/").endswith(wanted)]
        if meta:
            found = [ex for ex in found if all(ex.meta.get(k) == v for k, v in meta.items())]
        return found

    def get(self, exchange_id: int) -> Exchange:
        with self._lock:
            row = self._db.execute("SELECT * FROM exchanges WHERE id = ?", (exchange_id,)).fetchone()
        if row is None:
            raise KeyError(f"no exchange {exchange_id} in {self.path}")
        return _from_row(row)

    def last_id(self) -> int:
        with self._lock:
            (value,) = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM exchanges").fetchone()
        return int(value)

    def count(self) -> int:
        with self._lock:
            (value,) = self._db.execute("SELECT COUNT(*) FROM exchanges").fetchone()
        return int(value)

    def wait_for(
        self, predicate: Callable[[Exchange], bool], *, timeout: float, since_id: int = 0, **filters: Any
    ) -> Exchange | None:
        """The first matching exchange recorded in this process, waiting at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for exchange in self.exchanges(since_id=since_id, **filters):
                if predicate(exchange):
                    return exchange
                since_id = max(since_id, exchange.id or 0)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with self._recorded:
                if self._last_id_locked() <= since_id:
                    self._recorded.wait(remaining)

    def _last_id_locked(self) -> int:
        (value,) = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM exchanges").fetchone()
        return int(value)

    def set_info(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO session_info (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    def info(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM session_info").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def save_case_outcome(self, nodeid: str, outcome: dict[str, Any]) -> None:
        """A case's outcome as it finished (raw): a run killed before its bundle still says what ran."""
        with self._lock:
            self._db.execute(
                "INSERT INTO case_outcomes (nodeid, outcome) VALUES (?, ?) "
                "ON CONFLICT(nodeid) DO UPDATE SET outcome = excluded.outcome",
                (nodeid, json.dumps(outcome, ensure_ascii=False)),
            )

    def case_outcomes(self) -> list[dict[str, Any]]:
        """The outcomes saved with :meth:`save_case_outcome`, in the order the cases first finished."""
        with self._lock:
            rows = self._db.execute("SELECT outcome FROM case_outcomes ORDER BY rowid").fetchall()
        return [json.loads(value) for (value,) in rows]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many records into one transaction (for bulk imports and benchmarks)."""
        with self._lock:
            self._db.execute("BEGIN")
        try:
            yield
        finally:
            with self._lock:
                self._db.execute("COMMIT")


_JSON_COLUMNS = ("request_headers", "response_headers", "meta")
_COLUMNS = tuple(f.name for f in fields(Exchange) if f.name != "id")


def _to_row(exchange: Exchange) -> dict[str, Any]:
    # A shallow copy: the dict-valued columns become JSON text below (asdict's deep copy cost 4x as much).
    row = {name: getattr(exchange, name) for name in _COLUMNS}
    for column in _JSON_COLUMNS:
        row[column] = json.dumps(row[column], ensure_ascii=False)
    return row


def _from_row(row: tuple[Any, ...]) -> Exchange:
    (id_, session, direction, actor, started_at, method, url, req_h, req_b, status, resp_h, resp_b,
     latency, error, meta) = row
    return Exchange(
        direction=direction, actor=actor, method=method, url=url, request_headers=json.loads(req_h),
        request_body=req_b, status=status, response_headers=json.loads(resp_h), response_body=resp_b,
        latency_ms=latency, error=error, meta=json.loads(meta), started_at=started_at, session=session,
        id=id_,
    )
