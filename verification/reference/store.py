"""The reference system's own database (SQLite): orders, status updates, answers, signed documents,
letters and privacy-setting changes.

Idempotency lives here: every stored callback carries a dedup key with a UNIQUE constraint, so the same
callback delivered again is acknowledged but stored once (``INSERT OR IGNORE``). The order's current state
only moves forward (:func:`state_rank`), so a stale C1 after a C2 does not regress it. The
``one_status_per_order`` design keeps no status history: only the order row, with a count of its changes.
One connection, one lock: callers may use the store from the event loop and from threads alike.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import EpromVerifyError
from ..recorder.store import create_owner_only
from ..spec.enums import FormOrderStatus, wire_name
from ..spec.wire import ZERO_GUID
from .behaviour import CORRECT, Behaviour
from .reading import FormOrderUpdate, MessageStatus, PersonvernChange

__all__ = ["ReferenceStore", "UnknownOrder", "Applied", "state_rank"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS triggers (
    trigger_key TEXT PRIMARY KEY, kind TEXT NOT NULL, outcome TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    form_order_id TEXT PRIMARY KEY, form_id TEXT, national_id TEXT, distribution_rule TEXT,
    must_be_signed INTEGER NOT NULL DEFAULT 0, patient_initiated INTEGER NOT NULL DEFAULT 0,
    status TEXT, channel TEXT, error_code TEXT, created_at TEXT NOT NULL, updated_at TEXT,
    status_updates INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY, form_order_id TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL, channel TEXT, error_code TEXT, timestamp TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, form_order_id TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE,
    form_data TEXT NOT NULL, signed_form_id TEXT, scanned_paper_id TEXT, warnings TEXT, event_log TEXT,
    timestamp TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signed_documents (
    id INTEGER PRIMARY KEY, form_order_id TEXT NOT NULL, signed_form_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE, attempts INTEGER NOT NULL DEFAULT 0, content BLOB, content_type TEXT,
    downloaded_at TEXT);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, sent_status TEXT, channel TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS message_statuses (
    id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE,
    sent_status TEXT NOT NULL, channel TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS personvern_changes (
    id INTEGER PRIMARY KEY, setting_id TEXT NOT NULL, national_id TEXT NOT NULL, name TEXT,
    status TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL);
"""


class UnknownOrder(EpromVerifyError, LookupError):
    """A callback for an order (or letter) this system never placed."""


@dataclass(frozen=True)
class Applied:
    """What storing a callback did: ``new`` False for a repeated delivery; ``download`` the row id of a
    signed document to fetch, if any."""

    new: bool
    download: int | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _name(member: Any) -> str | None:
    return None if member is None else wire_name(member)


def state_rank(status_name: str | None) -> int:
    """Order states only move forward: status updates (1) < Expired (2) < Completed (3)."""
    if status_name is None:
        return 0
    return {wire_name(FormOrderStatus.Expired): 2, wire_name(FormOrderStatus.Completed): 3}.get(status_name, 1)


class ReferenceStore:
    """SQLite file at ``path``, or an in-memory database when ``path`` is None."""

    def __init__(self, path: str | None = None):
        self._lock = threading.Lock()
        if path:  # the orders hold the test person's national id: owner-only, set before SQLite opens it
            create_owner_only(Path(path))
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _scalar(self, sql: str, *params: Any) -> Any:
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # Triggers and what they placed.

    def trigger_outcome(self, trigger_key: str) -> str | None:
        """The stored JSON answer of an earlier trigger with this key, if any."""
        return self._scalar("SELECT outcome FROM triggers WHERE trigger_key = ?", trigger_key)

    def record_trigger(self, trigger_key: str, kind: str, outcome_json: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO triggers VALUES (?, ?, ?, ?)", (trigger_key, kind, outcome_json, _now())
            )

    def add_order(
        self, form_order_id: str, *, form_id: str, national_id: str, rule: str, signed: bool,
        channel: str | None = None,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO orders (form_order_id, form_id, national_id, distribution_rule,"
                " must_be_signed, channel, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (form_order_id, form_id, national_id, rule, int(signed), channel, _now()),
            )

    def add_message(self, message_id: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO messages (message_id, created_at) VALUES (?, ?)", (message_id, _now()))

    # Callbacks.

    def apply_form_order_update(
        self, update: FormOrderUpdate, *, dedup_key: str, signed_key: str, behaviour: Behaviour = CORRECT
    ) -> Applied:
        """Store a C1/C2 once; raise :class:`UnknownOrder` for an order never placed (unless the form
        is patient-initiated, which creates the order)."""
        with self._transaction() as db:
            current = self._order_status(db, update, create_unknown=behaviour.creates_unknown_orders)
            if update.answers_json is not None:
                new = self._insert_answers(db, update, dedup_key)
            elif behaviour.drops_expired and update.status == FormOrderStatus.Expired:
                return Applied(new=True)  # the fault: acknowledged, never stored
            elif behaviour.one_status_per_order or behaviour.latest_status_only:
                new = self._change_status(db, update, current)
            else:
                new = self._insert_status(db, update, dedup_key)
            if not new:
                return Applied(new=False)
            if behaviour.regresses_state_on_stale_c1 and not update.is_form_return and state_rank(current) > 1:
                # The fault: the order row is rewritten from the stale C1, answers included.
                db.execute("DELETE FROM answers WHERE form_order_id = ?", (update.form_order_id,))
                current = None
            self._advance_state(db, update, current, keep_channel=behaviour.stores_preferred_channel)
            download = self._insert_signed(db, update, signed_key) if update.signed_form_id else None
        return Applied(new=True, download=download)

    def _order_status(self, db: sqlite3.Connection, update: FormOrderUpdate, *, create_unknown: bool) -> str | None:
        row = db.execute("SELECT status FROM orders WHERE form_order_id = ?", (update.form_order_id,)).fetchone()
        if row is not None:
            return row[0]
        if create_unknown and not update.patient_initiated and update.form_order_id.lower() != ZERO_GUID:
            # The stores_unknown_orders design: a callback for an order it never placed creates it (to reconcile
            # later); the all-zero id is no order (E1's answer when none was created), so it is still refused.
            db.execute("INSERT INTO orders (form_order_id, created_at) VALUES (?, ?)", (update.form_order_id, _now()))
            return None
        if not (update.is_form_return and update.patient_initiated):
            raise UnknownOrder(update.form_order_id)
        db.execute(
            "INSERT INTO orders (form_order_id, form_id, national_id, patient_initiated, created_at)"
            " VALUES (?, ?, ?, 1, ?)",
            (update.form_order_id, update.patient_form_id, update.patient_national_id, _now()),
        )
        return None

    def _insert_status(self, db: sqlite3.Connection, update: FormOrderUpdate, dedup_key: str) -> bool:
        cursor = db.execute(
            "INSERT OR IGNORE INTO statuses (form_order_id, dedup_key, status, channel, error_code, timestamp,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                update.form_order_id,
                dedup_key,
                _name(update.status),
                _name(update.channel),
                _name(update.error_code),
                update.timestamp,
                _now(),
            ),
        )
        return cursor.rowcount == 1

    def _change_status(self, db: sqlite3.Connection, update: FormOrderUpdate, current: str | None) -> bool:
        """The one-status design: a status differing from the current one, and not older, is a change."""
        status = _name(update.status)
        if status == current or state_rank(status) < state_rank(current):
            return False
        db.execute("UPDATE orders SET status_updates = status_updates + 1 WHERE form_order_id = ?",
                   (update.form_order_id,))
        return True

    def _insert_answers(self, db: sqlite3.Connection, update: FormOrderUpdate, dedup_key: str) -> bool:
        cursor = db.execute(
            "INSERT OR IGNORE INTO answers (form_order_id, dedup_key, form_data, signed_form_id, scanned_paper_id,"
            " warnings, event_log, timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                update.form_order_id,
                dedup_key,
                update.answers_json,
                update.signed_form_id,
                update.scanned_paper_id,
                update.warnings_json,
                update.event_log_json,
                update.timestamp,
                _now(),
            ),
        )
        return cursor.rowcount == 1

    def _advance_state(
        self, db: sqlite3.Connection, update: FormOrderUpdate, current: str | None, *, keep_channel: bool = False
    ) -> None:
        status = _name(update.status)
        if state_rank(status) >= state_rank(current):
            db.execute(
                "UPDATE orders SET status = ?, error_code = ?, updated_at = ? WHERE form_order_id = ?",
                (status, _name(update.error_code), _now(), update.form_order_id),
            )
        if update.channel is not None and not keep_channel:  # the channel really used (C1), even if stale
            db.execute(
                "UPDATE orders SET channel = ? WHERE form_order_id = ? AND (channel IS NULL OR ? >= ?)",
                (_name(update.channel), update.form_order_id, state_rank(status), state_rank(current)),
            )

    def _insert_signed(self, db: sqlite3.Connection, update: FormOrderUpdate, signed_key: str) -> int | None:
        cursor = db.execute(
            "INSERT OR IGNORE INTO signed_documents (form_order_id, signed_form_id, dedup_key) VALUES (?, ?, ?)",
            (update.form_order_id, update.signed_form_id, signed_key),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def apply_message_status(
        self, status: MessageStatus, *, dedup_key: str, behaviour: Behaviour = CORRECT
    ) -> Applied:
        """Store a C3 once; raise :class:`UnknownOrder` for a letter this system never sent."""
        with self._transaction() as db:
            known = db.execute("SELECT 1 FROM messages WHERE message_id = ?", (status.message_id,)).fetchone()
            if known is None and behaviour.creates_unknown_orders:  # stores_unknown_orders: letters too
                db.execute("INSERT INTO messages (message_id, created_at) VALUES (?, ?)", (status.message_id, _now()))
            elif known is None:
                raise UnknownOrder(status.message_id)
            cursor = db.execute(
                "INSERT OR IGNORE INTO message_statuses (message_id, dedup_key, sent_status, channel, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (status.message_id, dedup_key, _name(status.sent_status), _name(status.channel), _now()),
            )
            if cursor.rowcount == 1:
                db.execute(
                    "UPDATE messages SET sent_status = ?, channel = ? WHERE message_id = ?",
                    (_name(status.sent_status), _name(status.channel), status.message_id),
                )
        return Applied(new=cursor.rowcount == 1)

    def apply_personvern_change(self, change: PersonvernChange, *, dedup_key: str) -> Applied:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO personvern_changes (setting_id, national_id, name, status, dedup_key,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (change.setting_id, change.national_id, change.name, change.status, dedup_key, _now()),
            )
        return Applied(new=cursor.rowcount == 1)

    # Signed documents (E2).

    def count_download_attempt(self, row_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE signed_documents SET attempts = attempts + 1 WHERE id = ?", (row_id,))

    def store_signed_document(self, row_id: int, content: bytes, content_type: str | None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE signed_documents SET content = ?, content_type = ?, downloaded_at = ? WHERE id = ?",
                (content, content_type, _now(), row_id),
            )

    # Probes.

    def status_count(self, form_order_id: str) -> int:
        """Distinct order-status updates stored: every C1, and C2 ``Expired`` (a status without answers);
        for the one-status design the changes counted on the order row."""
        history = self._scalar("SELECT COUNT(*) FROM statuses WHERE form_order_id = ?", form_order_id)
        changes = self._scalar("SELECT status_updates FROM orders WHERE form_order_id = ?", form_order_id)
        return history + (changes or 0)

    def order_count(self, form_order_id: str) -> int:
        """Orders held under this id (0 or 1): what the system takes as placed."""
        return self._scalar("SELECT COUNT(*) FROM orders WHERE form_order_id = ?", form_order_id)

    def latest_status(self, form_order_id: str) -> str | None:
        """The order's current status (the status probe's ``latest``), None when it has none yet."""
        return self._scalar("SELECT status FROM orders WHERE form_order_id = ?", form_order_id)

    def latest_count(self, form_order_id: str) -> int:
        """The latest_status_only design: the one status it keeps, 1 once it has one (no history, no tally)."""
        return int(self.latest_status(form_order_id) is not None)

    def answers_count(self, form_order_id: str) -> int:
        """Distinct completed forms stored (C2 ``Completed``)."""
        return self._scalar("SELECT COUNT(*) FROM answers WHERE form_order_id = ?", form_order_id)

    def signed_count(self, form_order_id: str) -> int:
        """Signed documents downloaded and stored."""
        return self._scalar(
            "SELECT COUNT(*) FROM signed_documents WHERE form_order_id = ? AND content IS NOT NULL", form_order_id
        )

    def download_attempts(self, form_order_id: str) -> int:
        total = self._scalar("SELECT SUM(attempts) FROM signed_documents WHERE form_order_id = ?", form_order_id)
        return int(total or 0)

    def message_status_count(self, message_id: str) -> int:
        return self._scalar("SELECT COUNT(*) FROM message_statuses WHERE message_id = ?", message_id)

    def personvern_count(self, setting_id: str) -> int:
        return self._scalar("SELECT COUNT(*) FROM personvern_changes WHERE setting_id = ?", setting_id)

    def order_state(self, form_order_id: str) -> dict[str, Any] | None:
        """The order as stored (no national ids), or None for an order this system does not know."""
        with self._lock:
            row = self._db.execute(
                "SELECT status, channel, error_code, patient_initiated, distribution_rule, must_be_signed"
                " FROM orders WHERE form_order_id = ?",
                (form_order_id,),
            ).fetchone()
        if row is None:
            return None
        status, channel, error_code, patient_initiated, rule, signed = row
        return {
            "formOrderId": form_order_id,
            "status": status,
            "channel": channel,
            "errorCode": error_code,
            "patientInitiated": bool(patient_initiated),
            "distributionRule": rule,
            "mustBeSigned": bool(signed),
            "statusCount": self.status_count(form_order_id),
            "answersCount": self.answers_count(form_order_id),
            "signedCount": self.signed_count(form_order_id),
            "signedDownloadAttempts": self.download_attempts(form_order_id),
        }
