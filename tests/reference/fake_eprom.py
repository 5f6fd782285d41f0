"""A tiny fake ePROM for the reference-system tests: an app plus a request log, on a real socket.

Every request is logged; :meth:`FakeEprom.wait_for` waits on a condition (bounded) instead of sleeping.
Replies can be scripted per path (status, JSON or bytes, delay); unscripted requests get a plausible answer.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from verification.reference import Behaviour
from verification.reference.app import build_app
from verification.reference.runtime import ReferenceSettings
from verification.serving import serve_in_thread

API_KEY = "ref-key-9f3c1e7a"
SIGNED_PDF = b"%PDF-1.7\n% signed form\n%%EOF\n"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    delay_s: float = 0.0


@dataclass
class FakeEprom:
    base_url: str = ""
    seen: list[Seen] = field(default_factory=list)
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def reset(self) -> None:
        with self._changed:
            self.seen.clear()
            self.scripts.clear()

    def script(self, path_end: str, *replies: Reply) -> None:
        """The next requests whose path ends with ``path_end`` get these replies, in order."""
        self.scripts[path_end.lower()] = list(replies)

    def requests_to(self, path_end: str) -> list[Seen]:
        with self._changed:
            return [s for s in self.seen if s.path.lower().endswith(path_end.lower())]

    def wait_for(self, path_end: str, count: int = 1, timeout: float = 5.0) -> list[Seen]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.requests_to(path_end)) >= count, timeout)
        return self.requests_to(path_end)

    def _scripted(self, path: str) -> Reply | None:
        for path_end, replies in self.scripts.items():
            if path.lower().endswith(path_end) and replies:
                return replies.pop(0)
        return None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "PUT", "DELETE"])])

    async def handle(self, request: Request) -> Response:
        seen = Seen(request.method, request.url.path, dict(request.headers), await request.body())
        with self._changed:
            self.seen.append(seen)
            self._changed.notify_all()
            reply = self._scripted(seen.path)
        reply = reply or Reply(body=_default_answer(seen))
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)  # a slow ePROM, on purpose
        if isinstance(reply.body, bytes):
            return Response(reply.body, status_code=reply.status, media_type="application/pdf")
        return JSONResponse(reply.body, status_code=reply.status)


def _default_answer(seen: Seen) -> Any:
    path = seen.path.lower()
    if path.endswith("/api/v2/formorder"):
        return {"id": str(uuid.uuid4()), "loginUrl": "https://example.invalid/proms", "notificationChannel": 1}
    if "/api/externaldocument/" in path:
        return SIGNED_PDF
    if path.endswith("/api/v2/messagetocitizen"):
        return {"notificationChannel": "Helsenorge", "messageToCitizenId": str(uuid.uuid4())}
    return {"success": True}


@contextmanager
def system_in_thread(eprom_base_url: str, behaviour: Behaviour) -> Iterator[str]:
    """A reference system (any behaviour) served in a thread of the test process: quicker to start than
    its own process, same sockets and code; yields its base URL."""
    settings = ReferenceSettings(eprom_base_url, API_KEY, behaviour)
    with serve_in_thread(build_app(settings)) as base_url:
        yield base_url
