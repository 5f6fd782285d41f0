"""The reference system's calls to ePROM (E1–E7), with its retry policy.

Authorization (1.4, BR-01): ``Authorization: Basic <raw key>`` on E1, E2, E3, E6, E7; the key in the body
and no header on E4/E5. Retries: E1 is retried (at most ``e1_max_retries`` times, short backoff) only when
ePROM answered 5xx or the request never left (connection refused / connect timeout). A request that was
sent but not answered in time is *not* retried: ePROM may have created the order, and one trigger must
never place two orders. E2 is a GET and safe to retry on any transport error or 5xx.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ..spec.routes import endpoint_of
from .behaviour import Behaviour

__all__ = ["EpromClient", "EpromAnswer", "SignedDocument", "authorization_value", "JSON_CONTENT_TYPE"]

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
Failure = Literal["not_sent", "unanswered"]


def authorization_value(api_key: str, behaviour: Behaviour) -> str:
    """``Basic <raw key>``; the ``rfc_basic_auth`` fault writes RFC 7617 ``Basic base64(key:)``."""
    if behaviour.rfc_basic_auth:
        return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")
    return f"Basic {api_key}"


@dataclass(frozen=True)
class EpromAnswer:
    """ePROM's answer to one call (after retries): status and JSON body, or why there was none."""

    status: int | None
    body: Any = None
    failure: Failure | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class SignedDocument:
    content: bytes
    content_type: str | None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class EpromClient:
    """Calls ePROM at ``base_url`` (e.g. ``http://127.0.0.1:18080/promswebapi``) as one ordering system."""

    def __init__(self, base_url: str, api_key: str, behaviour: Behaviour, http: httpx.AsyncClient):
        self.base_url = base_url.rstrip("/")
        if behaviour.eprom_base_without_prefix:  # the fault: the host only, /promswebapi left out
            self.base_url = self.base_url.rsplit("/", 1)[0]
        self._api_key = api_key
        self.behaviour = behaviour
        self._http = http

    def _headers(self, *, key_in_header: bool) -> dict[str, str]:
        content_type = "text/plain; charset=utf-8" if self.behaviour.text_plain_content_type else JSON_CONTENT_TYPE
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if key_in_header:
            headers["Authorization"] = authorization_value(self._api_key, self.behaviour)
        return headers

    async def _post_once(self, path: str, body: dict[str, Any], *, key_in_header: bool, read_s: float) -> EpromAnswer:
        body = self.behaviour.edited(endpoint_of("POST", path), body)
        if key_in_header and self.behaviour.key_in_body:
            body = {**body, "apiKey": self._api_key}  # the v1 habit, left in after moving to the header
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        timeout = httpx.Timeout(5.0, read=read_s)
        try:
            headers = self._headers(key_in_header=key_in_header)
            response = await self._http.post(self.base_url + path, content=content, headers=headers, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return EpromAnswer(status=None, failure="not_sent")
        except httpx.TransportError:
            return EpromAnswer(status=None, failure="unanswered")
        return EpromAnswer(status=response.status_code, body=_json_or_none(response))

    def _retry_order(self, answer: EpromAnswer) -> bool:
        if answer.status is not None:
            return answer.status >= (400 if self.behaviour.retries_client_errors else 500)
        return answer.failure == "not_sent" or self.behaviour.retries_after_read_timeout

    async def place_order(self, body: dict[str, Any]) -> EpromAnswer:
        """E1 ``POST /api/v2/formorder`` with the bounded retry policy of the module docstring."""
        behaviour = self.behaviour
        path = "/api/formorder" if behaviour.orders_v1_endpoint else "/api/v2/formorder"
        for attempt in range(1, behaviour.e1_max_retries + 2):
            answer = await self._post_once(path, body, key_in_header=True, read_s=behaviour.e1_read_timeout_s)
            if attempt > behaviour.e1_max_retries or not self._retry_order(answer):
                break
            await asyncio.sleep(behaviour.retry_backoff_s * 2 ** (attempt - 1))
        return EpromAnswer(answer.status, answer.body, answer.failure, attempts=attempt)

    async def send_letter(self, body: dict[str, Any]) -> EpromAnswer:
        """E3 ``POST /api/v2/messagetocitizen``; one attempt (a letter must not go out twice)."""
        return await self._post_once("/api/v2/messagetocitizen", body, key_in_header=True, read_s=30.0)

    async def send_sms(self, body: dict[str, Any]) -> EpromAnswer:
        """E4 ``POST /api/unsecuremessagesms``; key in the body, no Authorization header."""
        return await self._post_unsecure("/api/unsecuremessagesms", body)

    async def send_email(self, body: dict[str, Any]) -> EpromAnswer:
        """E5 ``POST /api/unsecuremessageemail``; key in the body, no Authorization header."""
        return await self._post_unsecure("/api/unsecuremessageemail", body)

    async def _post_unsecure(self, path: str, body: dict[str, Any]) -> EpromAnswer:
        if self.behaviour.sms_key_in_header:  # the fault: treated like the v2 calls
            body = {name: value for name, value in body.items() if name != "apiKey"}
            return await self._post_once(path, body, key_in_header=True, read_s=10.0)
        return await self._post_once(path, body, key_in_header=False, read_s=10.0)

    async def personvern(self, body: dict[str, Any]) -> EpromAnswer:
        """E6 ``getpersonverninnstilling``, or E7 ``setpersonverninnstilling`` when ``status`` is set
        (the v2 paths of [HEAD], 2023-09-19)."""
        update = "status" in body and not self.behaviour.personvern_read_for_set  # the fault: always a read
        if not update:
            body = {name: value for name, value in body.items() if name != "status"}
        path = "/api/v2/setpersonverninnstilling" if update else "/api/v2/getpersonverninnstilling"
        return await self._post_once(path, body, key_in_header=True, read_s=10.0)

    async def fetch_signed_document(
        self, signed_form_id: str, *, on_attempt: Callable[[], None] | None = None
    ) -> SignedDocument | None:
        """E2 ``GET /api/ExternalDocument/<signedFormId>``; bounded retries; None when it never came."""
        behaviour = self.behaviour
        url = f"{self.base_url}/api/ExternalDocument/{signed_form_id}"
        headers = {"Authorization": authorization_value(self._api_key, behaviour)}
        if behaviour.signed_download_key_in_query:  # the fault: the key as a query parameter, no header
            url, headers = f"{url}?apiKey={quote(self._api_key, safe='')}", {}
        for attempt in range(1, behaviour.e2_max_attempts + 1):
            if on_attempt is not None:
                on_attempt()
            try:
                response = await self._http.get(url, headers=headers, timeout=behaviour.e2_timeout_s)
            except httpx.TransportError:
                response = None
            if response is not None and behaviour.keeps_failed_download:  # the fault: any answer is the document
                return SignedDocument(response.content, response.headers.get("content-type"))
            if response is not None and response.status_code == 200 and response.content:
                return SignedDocument(response.content, response.headers.get("content-type"))
            if response is not None and response.status_code < 500:
                return None  # 4xx (or an empty 200): asking again will not help
            if attempt < behaviour.e2_max_attempts:
                await asyncio.sleep(behaviour.retry_backoff_s * 2 ** (attempt - 1))
        return None
