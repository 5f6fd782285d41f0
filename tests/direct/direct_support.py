"""Targets, a network tripwire and a fake ePROM transport for the direct-mode tests."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from verification.config import Target, parse_target

KEY = "direct-test-key-7f3a9c"
PERSON = "26670271527"  # the documented synthetic verification person
REAL_UPSTREAM = "https://proms.hemitdev.org/promswebapi"
PRODUCTION_UPSTREAM = "https://pasientrapportering.nhn.no/webapi"
RAND12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
PAPER_FORM = "5053bd9d-5111-40df-95ef-0aa160412015"
UNPUBLISHED_FORM = "7c1f6a52-4a3e-4b57-9d3e-2f0e6a1b9c11"
FORMS = [
    {"id": RAND12, "name": "RAND-12", "signing": True, "paper": False},
    {"id": PAPER_FORM, "name": "Paper form", "signing": False, "paper": True},
    {"id": UNPUBLISHED_FORM, "name": "Draft form", "signing": False, "paper": False, "published": False},
]


def target_data(upstream: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Direct test system",
        "environment": "test",
        "api_key": KEY,
        "eprom": {"mode": "direct", "upstream": upstream},
        "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder", "signing"]},
        "forms": FORMS,
        "test_persons": [PERSON],
    }
    return {**data, **changes}


def direct_target(upstream: str = REAL_UPSTREAM, **changes: Any) -> Target:
    return parse_target(target_data(upstream, **changes), environ={})


def write_target(path: Path, upstream: str = REAL_UPSTREAM, **changes: Any) -> Path:
    path.write_text(yaml.safe_dump(target_data(upstream, **changes), sort_keys=False), encoding="utf-8")
    return path


class Tripwire:
    """Records (and refuses) every attempt to open a connection, resolve a name or build a direct client."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def refuse(self, what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            self.touched.append(what)
            raise AssertionError(f"the network was touched: {what}")

        return refused

    def install(self, monkeypatch: Any) -> Tripwire:
        import pytest

        import verification.direct.client

        monkeypatch.setattr(socket.socket, "connect", self.refuse("socket.connect"))
        monkeypatch.setattr(socket.socket, "connect_ex", self.refuse("socket.connect_ex"))
        monkeypatch.setattr(socket, "create_connection", self.refuse("socket.create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", self.refuse("socket.getaddrinfo"))
        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", self.refuse("httpx transport"))
        monkeypatch.setattr(verification.direct.client.DirectClient, "__init__", self.refuse("DirectClient built"))
        monkeypatch.setattr(pytest, "main", self.refuse("the cases were started"))
        return self


class FakeEprom:
    """An ``httpx.MockTransport`` answering by URL from a script; every request it saw is kept."""

    def __init__(self, answers: dict[str, Callable[[httpx.Request], httpx.Response]] | None = None):
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get(str(request.url))
        if answer is None:
            return httpx.Response(200, json={"id": "0d3f4a52-4a3e-4b57-9d3e-2f0e6a1b9c11"})
        return answer(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def redirect(location: str, status: int = 307) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, headers={"Location": location})
