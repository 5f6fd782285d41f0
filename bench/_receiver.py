"""A callback receiver in its own process, for the benchmarks: records the arrival time of each callback
(``time.monotonic_ns``, which is system-wide on Linux and so comparable across processes) and answers
``{"success": true}``; also serves a bare JSON endpoint as the throughput baseline.

Run as ``python bench/_receiver.py``; it prints ``READY <port>`` and serves until stdin closes.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ARRIVALS: dict[str, int] = {}


async def callback(request: Request) -> JSONResponse:
    arrived = time.monotonic_ns()
    body = json.loads(await request.body())
    ARRIVALS.setdefault(f"{body.get('formOrderId')}:{body.get('formOrderStatus')}", arrived)
    return JSONResponse({"success": True})


async def arrivals(request: Request) -> JSONResponse:
    return JSONResponse(ARRIVALS)


async def bare(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": "00000000-0000-0000-0000-000000000001", "notificationChannel": "Helsenorge"})


app = Starlette(routes=[
    Route("/api/PromsFormOrder", callback, methods=["PUT"]),
    Route("/_arrivals", arrivals),
    Route("/bare/api/v2/formorder", bare, methods=["POST"]),
])


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    threading.Thread(target=lambda: (sys.stdin.read(), setattr(server, "should_exit", True)), daemon=True).start()
    print(f"READY {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
