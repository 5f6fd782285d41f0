"""Issue 3 figures, in one run:

- demo wall time: ``eprom-verify demo`` end to end, median of 5 (goal < 10 s);
- E1→C1 delivery latency, measured by a receiver in another process: from just before the E1 request is
  sent to the C1's arrival at the receiver, p50/p99 over 300 orders (goal p50 < 20 ms, p99 < 50 ms);
- simulator E1 throughput as a ratio to a bare Starlette/uvicorn endpoint answering a constant JSON,
  same client, same number of requests (goal ≥ 0.5).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from verification.simulator import Form, SimulatorSettings, run_simulator
from verification.spec.national_id import VERIFICATION_PERSON

HERE = Path(__file__).resolve().parent
KEY = "bench-key-2b7c"
FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
ORDERS = 300
THROUGHPUT_REQUESTS = 1000


@contextmanager
def receiver():
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_receiver.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()  # READY <port>: bounded by the child's own start-up
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def order_body() -> dict:
    return {"formId": FORM, "nationalId": VERIFICATION_PERSON, "expiryDate": "2099-01-01T00:00:00Z",
            "distributionRule": "Basic"}


def demo_wall_times(runs: int = 5) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as reports:
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "verification.cli", "demo", "--report-dir", reports, "-q"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
    return times


def e1_to_c1_latencies(simulator, client: httpx.Client, receiver_url: str) -> list[float]:
    sent: dict[str, int] = {}
    for _ in range(ORDERS):
        started = time.monotonic_ns()
        response = client.post(f"{simulator.api_base_url}/api/v2/formorder", json=order_body())
        sent[response.json()["id"]] = started
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # bounded: every C1 has normally arrived by the time we ask
        arrived = httpx.get(f"{receiver_url}/_arrivals").json()
        if all(f"{order_id}:Ordered" in arrived for order_id in sent):
            break
        simulator.wait(after=simulator.last_exchange_id(), timeout=0.5, direction="to_system")
    return [(arrived[f"{oid}:Ordered"] - t) / 1e6 for oid, t in sent.items() if f"{oid}:Ordered" in arrived]


def requests_per_second(client: httpx.Client, url: str, headers: dict) -> float:
    started = time.perf_counter()
    for _ in range(THROUGHPUT_REQUESTS):
        client.post(url, json=order_body(), headers=headers).raise_for_status()
    return THROUGHPUT_REQUESTS / (time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> dict:
    results: dict = {}
    walls = demo_wall_times()
    results["demo_wall_s"] = {"median": statistics.median(walls), "runs": walls}
    with tempfile.TemporaryDirectory() as folder, receiver() as receiver_url:
        settings = SimulatorSettings(api_key=KEY, callback_base_url=receiver_url, forms={FORM: Form(name="RAND-12")},
                                     store_path=str(Path(folder) / "session.sqlite"))
        with run_simulator(settings) as simulator, httpx.Client(headers={"Authorization": f"Basic {KEY}"}) as client:
            latencies = e1_to_c1_latencies(simulator, client, receiver_url)
            simulator_rps = requests_per_second(client, f"{simulator.api_base_url}/api/v2/formorder", {})
            bare_rps = requests_per_second(client, f"{receiver_url}/bare/api/v2/formorder", {})
    results["e1_to_c1_ms"] = {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                              "orders": len(latencies)}
    results["e1_throughput"] = {"simulator_rps": simulator_rps, "bare_rps": bare_rps,
                                "ratio": simulator_rps / bare_rps}
    print(f"{'figure':40} {'value':>12} {'goal':>12}")
    print(f"{'demo wall time, median of 5 (s)':40} {results['demo_wall_s']['median']:12.2f} {'< 10':>12}")
    print(f"{'E1→C1 latency p50 (ms)':40} {results['e1_to_c1_ms']['p50']:12.2f} {'< 20':>12}")
    print(f"{'E1→C1 latency p99 (ms)':40} {results['e1_to_c1_ms']['p99']:12.2f} {'< 50':>12}")
    print(f"{'simulator E1 req/s':40} {simulator_rps:12.0f}")
    print(f"{'bare Starlette/uvicorn req/s':40} {bare_rps:12.0f}")
    print(f"{'throughput ratio simulator/bare':40} {results['e1_throughput']['ratio']:12.2f} {'>= 0.5':>12}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "issue3.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
