"""A recorded request as curl: the exact request, the key only ever as ${EPROM_API_KEY}."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from verification.recorder.store import Exchange
from verification.stimuli.curl import curl_command

KEY = "s3cret-key-Æ'$x`"  # shell-sensitive characters, none that JSON escapes
URL = "http://127.0.0.1:18081/api/PromsFormOrder"


def _exchange(body: object, **headers: str) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    base = {"host": "127.0.0.1:18081", "content-length": str(len(text)), "user-agent": "python-httpx/0.28",
            "accept-encoding": "gzip", "content-type": "application/json; charset=utf-8"}
    return Exchange(direction="to_system", actor="kit", method="PUT", url=URL,
                    request_headers={**base, **headers}, request_body=text)


def _argv_from_shell(command: str, **env: str) -> list[str]:
    """What a POSIX shell makes of the command, with ``curl`` replaced by a printer of its arguments."""
    printer = "python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))'"
    done = subprocess.run(["sh", "-c", printer + command.removeprefix("curl")], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **env}, check=True)
    return json.loads(done.stdout)


def test_the_body_key_becomes_the_variable_and_nothing_else_changes():
    answers = json.dumps({"Kommentar": "Vondt i ryggen, 'særlig' om natta"})
    body = {"apiKey": KEY, "formOrderId": "abc", "formData": answers}
    command = curl_command(_exchange(body), api_key=KEY)
    assert KEY not in command and '"${EPROM_API_KEY}"' in command
    assert command.startswith(f"curl -sS -X PUT '{URL}'")
    assert "user-agent" not in command.lower() and "Content-Type: application/json" in command


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_the_shell_sends_exactly_the_recorded_body_with_the_key_put_back():
    body = {"apiKey": KEY, "formData": "{\"q\": \"Blåbær og 'tran'\\n$HOME\"}", "note": "back\\slash"}
    exchange = _exchange(body)
    argv = _argv_from_shell(curl_command(exchange, api_key=KEY), EPROM_API_KEY=KEY)
    assert argv[argv.index("--data-raw") + 1] == exchange.request_body
    assert argv[:3] == ["-sS", "-X", "PUT"] and URL in argv


def test_a_key_that_json_escapes_is_still_never_shown():
    key = 'odd"key\\'
    command = curl_command(_exchange({"apiKey": key}), api_key=key)
    assert 'odd\\"key' not in command and "odd" not in command


def test_an_authorization_header_with_the_key_is_masked():
    command = curl_command(_exchange({"nationalId": "x"}, authorization=f"Basic {KEY}"), api_key=KEY)
    assert KEY not in command and "-H 'Authorization: Basic '\"${EPROM_API_KEY}\"" in command


def test_a_wrong_key_sent_on_purpose_is_shown_as_sent():
    command = curl_command(_exchange({"apiKey": "not-the-key"}), api_key=KEY)
    assert "not-the-key" in command and "EPROM_API_KEY" not in command


def test_without_the_key_every_api_key_and_credential_is_masked():
    command = curl_command(_exchange({"apiKey": "whatever-it-is"}, authorization="Basic other"))
    assert "whatever-it-is" not in command and "other" not in command
    assert command.count("${EPROM_API_KEY}") == 2


def test_an_empty_key_stays_empty_and_a_body_less_request_has_no_data():
    assert '"apiKey": ""' in curl_command(_exchange({"apiKey": ""}))
    get = Exchange(direction="to_system", actor="kit", method="GET", url=URL + "/x")
    assert curl_command(get) == f"curl -sS -X GET '{URL}/x'"
