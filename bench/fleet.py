"""Benchmark: N emulated devices, each on its own MQTT connection, at 1 message per second.

    .venv/bin/python bench/fleet.py --devices 2000 --seconds 60

It starts a private Mosquitto (``senlab.broker.private.PrivateBroker``: the accounts,
ACL and config ``senlab up`` writes; only its queue limit and persistence differ), a
subscriber process reading every device's telemetry with a service account of its own
(``senlab-bench-reader``, which reaches every lab as the fleet's does), and the fleet in
this process, logged in with the fleet's service account: N/5 trainees
each running a five-device lab (air quality, wastewater, energy meter, production line,
tracker), every device with its own connection and Last Will. After a warm-up it
measures for S seconds:

* delivered / intended: of the telemetry messages the devices published in the window
  (by their sequence numbers, taken at its start and end), those that reached the
  subscriber; and whether the fleet kept the schedule, published against N × S;
* CPU µs per message: this process's CPU time over the window (devices, JSON, MQTT)
  divided by the messages it published; Mosquitto's and the subscriber's CPU are
  printed beside it;
* p50 and p99 latency from the device's timestamp to the subscriber;
* peak RSS of the fleet process.

With ``--baseline N`` it first measures the same devices on paho-mqtt's asyncio-style
loop (one paho client per device, driven by ``loop_read``/``loop_write`` from asyncio),
so the CPU figure has a baseline from the same run.

The last line is JSON: {"devices", "delivered_ratio", "cpu_us_per_msg", "p50_ms",
"p99_ms", "peak_rss_mib"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lab_devices.fleet.runtime import Fleet  # noqa: E402
from lab_devices.fleet.service import connection_factory  # noqa: E402
from lab_devices.labs.labfile import LabSpec  # noqa: E402
from lab_devices.mqtt.connection import BrokerConfig, MqttConnection  # noqa: E402
from senlab.broker import Credentials  # noqa: E402
from senlab.broker.private import PrivateBroker  # noqa: E402

MODELS = ("air_quality", "wastewater", "energy_meter", "production_line", "tracker")
READER = "bench-reader"  # the subscriber's service account: senlab-bench-reader
TICKS_PER_SECOND = 1.0


def bench_lab(models: tuple[str, ...]) -> LabSpec:
    both = {"vi": "Đo hiệu năng", "en": "Benchmark"}
    return LabSpec.model_validate({
        "id": "bench", "title": both, "summary": both,
        "devices": [{"id": f"{m.replace('_', '-')}", "model": m,
                     "params": {"interval": 1.0 / TICKS_PER_SECOND}} for m in models],
    })


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the subscriber (its own process) ------------------------------------------------------
def percentile_ms(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def subscriber_main(port: int, username: str, password_file: Path) -> None:
    """Record every telemetry message; at the end, count those in the fleet's seq ranges.

    The fleet sends, on stdin, each device's ``seq`` at the start and at the end of the
    window. ``seq`` rises by one per message, so the messages of the window are exactly
    those with start < seq <= end, whenever they arrive: nothing is lost to the edges.
    """
    received: dict[str, list[tuple[int, float]]] = {}

    def on_message(topic: str, payload: bytes) -> None:
        now = time.time()
        comma = payload.index(b",", 6)  # payload starts {"ts":<stamp>,"seq":<n>,
        seq = int(payload[comma + 7:payload.index(b",", comma + 7)])
        entry = (seq, now - float(payload[6:comma]))
        log = received.get(topic)
        if log is None:
            received[topic] = [entry]
        else:
            log.append(entry)

    password = password_file.read_text().strip()
    connection = MqttConnection(BrokerConfig("127.0.0.1", port, username, password),
                                "bench-subscriber", clean_session=True,
                                subscriptions=[("labs/+/bench/+/telemetry", 0)],
                                on_message=on_message)
    await connection.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    starts = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    ends, grace = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    await asyncio.sleep(grace)
    latencies = [latency for topic, end in ends.items()
                 for seq, latency in received.get(topic, ()) if starts[topic] < seq <= end]
    latencies.sort()
    print(json.dumps({"delivered": len(latencies),
                      "intended": sum(end - starts[topic] for topic, end in ends.items()),
                      "p50_ms": percentile_ms(latencies, 0.50),
                      "p99_ms": percentile_ms(latencies, 0.99),
                      "max_ms": latencies[-1] * 1000 if latencies else None}), flush=True)


# -- the baseline: the same fleet on paho-mqtt ---------------------------------------------
class PahoConnection:
    """A ``host.Connection`` on paho-mqtt, driven by asyncio as paho's own example does."""

    def __init__(self, broker: BrokerConfig, client_id: str, *, will, clean_session: bool,
                 subscriptions, on_message, on_connected) -> None:
        import paho.mqtt.client as mqtt

        self.mqtt = mqtt
        self.broker = broker
        self.connected = False
        self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.subscriptions = subscriptions
        self.on_connected = on_connected
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=clean_session)
        self.client.username_pw_set(broker.username, broker.password)
        self.client.will_set(will.topic, will.payload, will.qos, will.retain)
        self.client.on_message = lambda c, u, m: on_message(m.topic, m.payload)
        self.client.on_connect = self._on_connect
        self.client.on_socket_open = self._open
        self.client.on_socket_close = self._close
        self.client.on_socket_register_write = self._want_write
        self.client.on_socket_unregister_write = self._no_write
        self._ready: asyncio.Future[None] | None = None
        self._misc: asyncio.Task | None = None

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        self.connected = True
        for topic, qos in self.subscriptions:
            client.subscribe(topic, qos)
        self.on_connected(bool(flags.session_present))
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def _open(self, client, userdata, sock) -> None:
        assert self._loop is not None
        self._loop.add_reader(sock, client.loop_read)
        self._misc = self._loop.create_task(self._misc_loop())

    def _close(self, client, userdata, sock) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.remove_reader(sock)
        if self._misc is not None:
            self._misc.cancel()

    def _want_write(self, client, userdata, sock) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.add_writer(sock, client.loop_write)

    def _no_write(self, client, userdata, sock) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_writer(sock)

    async def _misc_loop(self) -> None:
        while self.client.loop_misc() == self.mqtt.MQTT_ERR_SUCCESS:
            await asyncio.sleep(1)

    async def start(self, timeout: float = 10.0) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready = self._loop.create_future()
        self.client.connect(self.broker.host, self.broker.port, self.broker.keepalive)
        await asyncio.wait_for(self._ready, timeout)

    def publish(self, topic, payload: bytes, qos: int = 0, retain: bool = False) -> bool:
        text = topic.decode() if isinstance(topic, bytes) else topic
        self.client.publish(text, payload, qos, retain)
        return True

    async def close(self, final=(), *, forget_session: bool = False) -> None:
        for topic, payload, qos, retain in final:
            self.publish(topic, payload, qos, retain)
        self.client.disconnect()


# -- the fleet (this process) --------------------------------------------------------------
async def start_fleet(devices: int, port: int, login: Credentials,
                      unix_path: str | None = None, link: str = "lean") -> Fleet:
    broker = BrokerConfig("127.0.0.1", port, login.username, login.password, keepalive=60,
                          unix_path=unix_path)
    models = MODELS * (devices // len(MODELS) + 1)
    lab = bench_lab(tuple(models[: min(devices, len(MODELS))]))
    # A Unix socket's accept backlog refuses rather than queues: connect fewer at once.
    concurrency = 16 if unix_path else 64
    connect = connection_factory(broker) if link == "lean" else partial(PahoConnection, broker)
    fleet = Fleet(connect, {"bench": lab}, connect_concurrency=concurrency)
    trainees = [f"bench-{i:05d}" for i in range(devices // len(lab.devices))]
    await asyncio.gather(*(fleet.start_lab(t, "bench") for t in trainees))
    return fleet


def snapshot(hosts: list, broker_pid: int, subscriber_pid: int) -> dict[str, float]:
    """CPU times (this process, the broker, the subscriber) and messages published so far."""
    times = os.times()
    return {"cpu": time.process_time(), "user": times.user, "system": times.system,
            "sent": sum(h.device.seq for h in hosts),
            "broker": process_cpu_seconds(broker_pid),
            "subscriber": process_cpu_seconds(subscriber_pid)}


def topic_of(host) -> str:
    return f"{host.topic_root}/telemetry"


def tell(subscriber: subprocess.Popen, document) -> None:
    assert subscriber.stdin is not None
    subscriber.stdin.write(json.dumps(document) + "\n")
    subscriber.stdin.flush()


def figures_from(before: dict, after: dict, result: dict, hosts: list, dropped: int,
                 seconds: float) -> dict[str, float]:
    published = max(1, after["sent"] - before["sent"])
    # Intended: every message the devices published in the window (by their seq). Whether
    # the fleet kept the 1-a-second schedule is its own figure, published / (N × S).
    intended = result["intended"]

    def per_message(key: str) -> float:
        return (after[key] - before[key]) / published * 1e6

    return {
        "devices": len(hosts), "intended": intended, "published": published,
        "schedule_ratio": published / (len(hosts) * seconds * TICKS_PER_SECOND),
        "delivered": result["delivered"], "dropped_at_fleet": dropped,
        "delivered_ratio": result["delivered"] / max(1, intended),
        "cpu_us_per_msg": per_message("cpu"), "user_us_per_msg": per_message("user"),
        "system_us_per_msg": per_message("system"),
        "broker_cpu_us_per_msg": per_message("broker"),
        "subscriber_cpu_us_per_msg": per_message("subscriber"),
        "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "max_ms": result["max_ms"],
    }


async def measure(args: argparse.Namespace, broker: PrivateBroker, devices: int,
                  link: str = "lean") -> dict[str, float]:
    """One measurement: ``devices`` devices on the ``link`` client for ``args.seconds``."""
    reader = broker.accounts.service(READER)
    # The password goes in a file (mode 0600), not on a command line others can read.
    password_file = broker.settings.home / "reader-password"
    password_file.touch(mode=0o600)
    password_file.write_text(reader.password)
    subscriber = subprocess.Popen(
        [sys.executable, __file__, "--subscriber", "--port", str(broker.port),
         "--username", reader.username, "--password-file", str(password_file),
         "--loop", args.loop],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert subscriber.stdout is not None and subscriber.stdin is not None
    assert broker.process is not None
    try:
        if subscriber.stdout.readline().strip() != "ready":
            raise RuntimeError("the subscriber did not connect")
        began = time.perf_counter()
        unix_path = broker.unix_path if args.transport == "unix" else None
        fleet = await start_fleet(devices, broker.port, broker.fleet, unix_path, link)
        hosts = [h for run in fleet.runs.values() for h in run.hosts.values()]
        print(f"connected {len(hosts)} devices ({link} link) in "
              f"{time.perf_counter() - began:.1f} s")
        ticker = asyncio.create_task(fleet.run())
        await asyncio.sleep(args.warmup)
        before = snapshot(hosts, broker.process.pid, subscriber.pid)
        tell(subscriber, {topic_of(h): h.device.seq for h in hosts})
        await asyncio.sleep(args.seconds)
        after = snapshot(hosts, broker.process.pid, subscriber.pid)
        tell(subscriber, [{topic_of(h): h.device.seq for h in hosts}, args.grace])
        await asyncio.sleep(args.grace)
        dropped = sum(h.connection.dropped for h in hosts)
        result = json.loads(await asyncio.get_running_loop().run_in_executor(
            None, subscriber.stdout.readline))
        ticker.cancel()
        await fleet.close()
    finally:
        subscriber.kill()
        subscriber.wait()
    return figures_from(before, after, result, hosts, dropped, args.seconds)


def event_loop_runner(name: str):
    if name == "uvloop":
        import uvloop

        return uvloop.run
    return asyncio.run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--grace", type=float, default=3.0)
    parser.add_argument("--baseline", type=int, default=0, metavar="N",
                        help="First measure N devices on paho-mqtt (the same fleet and devices).")
    parser.add_argument("--transport", choices=("tcp", "unix"), default="tcp",
                        help="How the devices reach the broker: loopback TCP or its Unix socket.")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="The event loop of the fleet (the service runs uvloop) and the "
                             "subscriber.")
    parser.add_argument("--subscriber", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--username", help=argparse.SUPPRESS)
    parser.add_argument("--password-file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def print_report(args: argparse.Namespace, figures: dict, baseline: dict | None,
                 peak_rss_mib: float) -> None:
    print(f"devices              {figures['devices']} over {args.transport}, {args.loop} loop")
    print(f"delivered / intended {figures['delivered']} / {figures['intended']} "
          f"= {figures['delivered_ratio']:.5f}  (dropped at the fleet: "
          f"{figures['dropped_at_fleet']})")
    print(f"schedule kept        {figures['schedule_ratio']:.5f} of {figures['devices']} "
          f"messages/s published")
    print(f"CPU per message      fleet {figures['cpu_us_per_msg']:.1f} µs (user "
          f"{figures['user_us_per_msg']:.1f}, kernel {figures['system_us_per_msg']:.1f}), broker "
          f"{figures['broker_cpu_us_per_msg']:.1f} µs, subscriber "
          f"{figures['subscriber_cpu_us_per_msg']:.1f} µs")
    print(f"latency              p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms,"
          f" max {figures['max_ms']:.2f} ms")
    print(f"peak RSS (fleet)     {peak_rss_mib:.0f} MiB")
    if baseline is not None:
        print(f"baseline (paho-mqtt, {baseline['devices']} devices): "
              f"{baseline['cpu_us_per_msg']:.1f} µs per message, delivered "
              f"{baseline['delivered_ratio']:.5f}, p99 {baseline['p99_ms']:.2f} ms; "
              f"this link uses {figures['cpu_us_per_msg'] / baseline['cpu_us_per_msg']:.2f}× "
              "its CPU per message")
    print(json.dumps({
        "devices": figures["devices"],
        "delivered_ratio": round(figures["delivered_ratio"], 5),
        "cpu_us_per_msg": round(figures["cpu_us_per_msg"], 1),
        "p50_ms": round(figures["p50_ms"], 2),
        "p99_ms": round(figures["p99_ms"], 2),
        "peak_rss_mib": round(peak_rss_mib, 1),
    }))


def main() -> None:
    args = parse_args()
    limit = raise_fd_limit()
    run = event_loop_runner(args.loop)
    if args.subscriber:
        run(subscriber_main(args.port, args.username, args.password_file))
        return
    if args.devices + 100 > limit:
        raise SystemExit(f"{args.devices} devices need more than the {limit} open files allowed")
    with tempfile.TemporaryDirectory(prefix="senlab-bench-") as folder:
        broker = PrivateBroker(Path(folder), max_queued=1_000_000, persistence=False,
                               unix_socket=args.transport == "unix")
        broker.accounts.service(READER)  # before start: no reload needed for it to work
        with broker:
            baseline = None
            if args.baseline:
                baseline = run(measure(args, broker, args.baseline, link="paho"))
            figures = run(measure(args, broker, args.devices))
    # Peak RSS covers the process's life: with --baseline, the larger of the two runs.
    print_report(args, figures, baseline,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
