"""The system-side contract as a document (issue 13, finding 2: the trigger's body, the replies it expects
and the sibling-URL convention were found only in evidence.json or the source). The OpenAPI 3.1 document
validates, names every route the kit calls, is served by the simulator, and a server built from the
document alone passes ``doctor``."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from openapi_spec_validator import validate
from sim_support import serve_in_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from verification.config import load_target
from verification.doctor import diagnose
from verification.simulator import SimulatorHandle
from verification.spec.contract import CONTRACT_PATH, system_contract
from verification.spec.routes import CALLBACK_PATHS

ROOT = Path(__file__).resolve().parents[2]


def test_the_document_is_valid_openapi_3_1():
    document = system_contract()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_it_names_every_route_the_kit_calls():
    paths = system_contract()["paths"]
    for path in CALLBACK_PATHS.values():
        assert "put" in paths[path] and "put" in paths[path + "/"] if path.endswith("Order") else "put" in paths[path]
    for kind in ("order", "message", "sms", "email", "personvern"):
        assert "post" in paths[f"/_trigger/{kind}"], kind
    for probe in ("status", "answers", "signed", "channel"):
        assert "get" in paths[f"/_probe/{probe}/{{formOrderId}}"], probe


def test_the_readme_table_lists_every_order_trigger_field_and_links_the_document():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "verification/spec/bestillersystem.openapi.yaml" in readme
    for name in system_contract()["components"]["schemas"]["OrderTrigger"]["properties"]:
        assert f"| `{name}` |" in readme, name


def test_the_simulator_serves_the_document_and_lists_its_admin_api(sim: SimulatorHandle):
    with httpx.Client(base_url=sim.base_url) as client:
        assert client.get("/_sim/openapi.json").json() == yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
        listed = {(e["method"], e["path"]) for e in client.get("/_sim/").json()["admin"]}
    assert {("GET", "/_sim/openapi.json"), ("POST", "/_sim/faults"), ("GET", "/_sim/wait")} <= listed


def _server_from_the_document() -> Starlette:
    """Every operation of the document, answering its first documented example: nothing else known."""
    routes = []
    for path, operations in system_contract()["paths"].items():
        for method, operation in operations.items():
            code, response = next(iter(operation["responses"].items()))
            example = next(iter(response.get("content", {}).values()), {}).get("example") if "content" in response \
                else None
            if example is None and "$ref" in response:
                ref = system_contract()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                example = next(iter(ref.get("content", {}).values()), {}).get("example")
            status = int(code) if code.isdigit() else int(code[0]) * 100

            async def answer(request: Request, status: int = status, example: object = example) -> Response:
                return JSONResponse(example, status_code=status)

            routes.append(Route(path, answer, methods=[method.upper()]))
    return Starlette(routes=routes)


def test_a_server_built_from_the_document_alone_passes_doctor(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EPROM_CONTRACT_KEY", "contract-key")
    with serve_in_thread(_server_from_the_document()) as url:
        target = tmp_path / "target.yaml"
        target.write_text(yaml.safe_dump({
            "name": "Built from the OpenAPI document", "environment": "test", "api_key": "${EPROM_CONTRACT_KEY}",
            "eprom": {"mode": "simulator", "listen": "127.0.0.1:0"},
            "bestillersystem": {
                "callback_base_url": url, "trigger": {"url": f"{url}/_trigger/order"},
                "probe": {name: f"{url}/_probe/{name}/{{formOrderId}}" for name in ("status", "answers", "signed",
                                                                                    "channel")},
                "capabilities": ["formorder", "message", "personvern", "sms", "email"]},
            "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                       "paper": False}],
        }))
        findings = diagnose(load_target(target))
    assert [f.line() for f in findings if f.outcome != "ok"] == []
    assert len(findings) == 3 + 5 + 4 + 1  # callbacks (C1/C2, C3, C4), triggers, probes, simulator port
