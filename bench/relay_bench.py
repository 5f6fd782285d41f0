"""Issue 5 figure: the recording relay's overhead on an order, in one run.

E1 round-trip latency (request sent → answer read) from the same client, median over :data:`REQUESTS`
orders each way, in interleaved blocks so that drift hits both alike:

- direct: client → simulator (what an ordering system sees in simulator mode);
- relayed: client → relay (its own process, recording every exchange) → simulator.

The simulator records its exchanges in both cases and sends each C1, through the relay's callback face, to
a receiver standing for the ordering system. Goal: relayed / direct < 1.5. Run it with
``python bench/run.py relay_bench``; it prints a table and writes ``bench/results/issue5.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from verification.simulator import Form, SimulatorSettings, run_simulator  # noqa: E402
from verification.spec.national_id import VERIFICATION_PERSON  # noqa: E402

KEY = "bench-relay-key-19ad"
FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
REQUESTS = 300
BLOCK = 50  # interleaved blocks: drift hits both paths; within a block each path stays warm
WARM_UP = 20


@contextmanager
def child(command: list[str], stdin_text: str = "") -> object:
    """A child process that prints ``READY …`` lines; yields the words after READY; stopped at the end."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    try:
        if stdin_text:
            process.stdin.write(stdin_text)
            process.stdin.flush()
        line = process.stdout.readline()  # bounded by the child's own start-up; a dead child gives ""
        if not line.startswith("READY"):
            raise RuntimeError(f"child did not start: {command}")
        yield line.split()[1:]
    finally:
        process.stdin.close()
        process.terminate()
        process.wait(timeout=10)


def relay_child() -> None:
    """``--child``: the relay on two free loopback ports, settings as JSON on stdin, until terminated."""
    from verification.recorder.relay import RelaySettings, serve_relay

    wanted = json.loads(sys.stdin.readline())
    settings = RelaySettings(**wanted)
    serve_relay(settings, eprom_listen=("127.0.0.1", 0), callback_listen=("127.0.0.1", 0),
                on_ready=lambda eprom, callback: print(f"READY {eprom} {callback}", flush=True))


def order_body() -> dict:
    return {"formId": FORM, "nationalId": VERIFICATION_PERSON, "expiryDate": "2099-01-01T00:00:00.000Z",
            "distributionRule": "Basic"}


def latencies_ms(client: httpx.Client, url: str, count: int) -> list[float]:
    found = []
    for _ in range(count):
        started = time.perf_counter()
        client.post(url, json=order_body()).raise_for_status()
        found.append((time.perf_counter() - started) * 1000)
    return found


def measure(client: httpx.Client, direct_url: str, relay_url: str) -> tuple[list[float], list[float]]:
    latencies_ms(client, direct_url, WARM_UP)
    latencies_ms(client, relay_url, WARM_UP)
    direct: list[float] = []
    relayed: list[float] = []
    while len(direct) < REQUESTS:
        direct += latencies_ms(client, direct_url, BLOCK)
        relayed += latencies_ms(client, relay_url, BLOCK)
    return direct, relayed


def main() -> dict:
    with tempfile.TemporaryDirectory() as folder, child([sys.executable, str(HERE / "_receiver.py")]) as receiver:
        system_url = f"http://127.0.0.1:{receiver[0]}"
        relay_settings = {"upstream": "", "system_base_url": system_url,
                          "store_path": str(Path(folder) / "relay.sqlite")}
        sim_settings = SimulatorSettings(api_key=KEY, callback_base_url=system_url, forms={FORM: Form("RAND-12")},
                                         store_path=str(Path(folder) / "simulator.sqlite"))
        with run_simulator(sim_settings) as simulator:
            relay_settings["upstream"] = simulator.api_base_url
            command = [sys.executable, str(Path(__file__).resolve()), "--child"]
            with child(command, json.dumps(relay_settings) + "\n") as (relay_eprom, relay_callback):
                simulator.configure(callback_base_url=relay_callback)  # C1s go through the relay too
                with httpx.Client(headers={"Authorization": f"Basic {KEY}"}, trust_env=False) as client:
                    direct, relayed = measure(client, f"{simulator.api_base_url}/api/v2/formorder",
                                              f"{relay_eprom}/promswebapi/api/v2/formorder")
    results = {
        "requests_each": len(direct),
        "direct_ms": {"median": statistics.median(direct), "p95": sorted(direct)[int(0.95 * len(direct))]},
        "relayed_ms": {"median": statistics.median(relayed), "p95": sorted(relayed)[int(0.95 * len(relayed))]},
    }
    results["ratio"] = results["relayed_ms"]["median"] / results["direct_ms"]["median"]
    print(f"{'E1 round trip (ms)':32} {'median':>8} {'p95':>8}")
    print(f"{'direct: system → simulator':32} {results['direct_ms']['median']:8.2f} {results['direct_ms']['p95']:8.2f}")
    print(f"{'relayed: system → relay → sim.':32} {results['relayed_ms']['median']:8.2f} "
          f"{results['relayed_ms']['p95']:8.2f}")
    print(f"{'ratio relayed / direct (median)':32} {results['ratio']:8.2f}   goal < 1.5  "
          f"({results['requests_each']} requests each)")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "issue5.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        relay_child()
    else:
        main()
