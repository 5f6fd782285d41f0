"""Small hostile peers on 127.0.0.1: a socket server whose every connection is handed to a behaviour.

A behaviour is a function ``(conn, request_head) -> None`` writing whatever it likes to the raw socket;
the server reads the request head first (up to the blank line) so that a behaviour answers a real request.
Each connection runs in its own daemon thread; leaving the context closes the listener and every
connection, so a behaviour that sleeps ends with the test (``stop`` is set).
"""

from __future__ import annotations

import functools
import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, bytes, threading.Event], None]


@contextmanager
def hostile_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` on a free loopback port; yields the base URL ``http://127.0.0.1:<port>``."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop, connections = threading.Event(), []

    def handle(conn: socket.socket) -> None:
        try:
            head = b""
            conn.settimeout(30)
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            behaviour(conn, head, stop)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the kit hung up, as it should

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in connections:
            conn.close()


def head(status: str = "200 OK", **headers: str) -> bytes:
    """A response head; ``Connection: close``, as each connection serves one request (a keep-alive client
    would otherwise send its next request on a connection nobody reads)."""
    lines = [f"HTTP/1.1 {status}", "Connection: close",
             *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


ACK = b'{"success": true}'


def correct(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    conn.sendall(head(Content_Length=str(len(ACK)), Content_Type="application/json") + ACK)


def never_answers(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    stop.wait(60)


def one_byte_a_second(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    for byte in head(Content_Length=str(len(ACK))) + ACK:
        if stop.wait(0.5):  # the peer's own pace, not a wait for an event of the kit's
            return
        conn.sendall(bytes([byte]))


def endless_chunks(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    conn.sendall(head(Transfer_Encoding="chunked", Content_Type="application/json"))
    while not stop.wait(0.05):
        conn.sendall(b"2\r\n{}\r\n")


def big_body(size: int) -> Behaviour:
    def behaviour(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(head(Content_Length=str(size)))
        block = b"x" * 65536
        for _ in range(size // len(block)):
            conn.sendall(block)

    return behaviour


def gzip_bomb(inflated: int) -> Behaviour:
    """A small body with ``Content-Encoding: gzip`` that inflates to ``inflated`` bytes."""
    bomb = _gzipped_zeros(inflated)

    def behaviour(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(head(Content_Length=str(len(bomb)), Content_Encoding="gzip") + bomb)

    return behaviour


@functools.lru_cache
def _gzipped_zeros(size: int) -> bytes:
    """``size`` zero bytes, gzipped a block at a time (about 1 KB per MB)."""
    packer, block = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS), 1024 * 1024
    pieces = [packer.compress(b"\0" * min(block, size - start)) for start in range(0, size, block)]
    return b"".join(pieces) + packer.flush()


def redirect(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    conn.sendall(head("302 Found", Location="http://127.0.0.1:9/elsewhere", Content_Length="0"))


def resets(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
    conn.close()


def slow(seconds: float, path_prefix: bytes = b"") -> Behaviour:
    """Answers correctly, but only after ``seconds`` for requests whose path starts with ``path_prefix``."""

    def behaviour(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b""
        if path.startswith(path_prefix) and stop.wait(seconds):
            return
        correct(conn, request, stop)

    return behaviour


def answers_the_doctor(behaviour: Behaviour) -> Behaviour:
    """``behaviour``, except that the doctor's first look (``OPTIONS``, the probe's all-zero order id) gets a
    healthy answer: the hostility meets the cases themselves."""

    def behave(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        doctor = request.startswith(b"OPTIONS ") or b"/00000000-0000-0000-0000-000000000000 " in request
        (correct if doctor else behaviour)(conn, request, stop)

    return behave


BEHAVIOURS: dict[str, Callable[[], Behaviour]] = {
    "correct": lambda: correct,
    "never-answers": lambda: never_answers,
    "one-byte-a-second": lambda: one_byte_a_second,
    "endless-chunks": lambda: endless_chunks,
    "50mb-body": lambda: big_body(50 * 1024 * 1024),
    "gzip-bomb": lambda: gzip_bomb(1024 * 1024 * 1024),
    "redirect": lambda: redirect,
    "resets": lambda: resets,
    "trigger-takes-60s": lambda: slow(60, b"/_trigger"),
    "callbacks-take-15s": lambda: slow(15, b"/api/"),
}


if __name__ == "__main__":  # a hostile system for a measured `eprom-verify run`: BEHAVIOUR, prints its URL
    import sys

    with hostile_server(BEHAVIOURS[sys.argv[1]]()) as base:
        print(base, flush=True)
        threading.Event().wait(float(sys.argv[2]) if len(sys.argv) > 2 else 3600)
