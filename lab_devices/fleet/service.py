"""Running the fleet as a service: ``python -m lab_devices.fleet.service``.

It loads every ``labs/<lab>/lab.yaml``, connects devices to the broker with the fleet's
service account (which may publish and subscribe ``labs/#``), serves the control API on
``--control-port`` (bearer token from ``--token-file``) and hands what happens in the
labs to the ``events`` sink its caller gives (``senlab.fleet`` gives one that spools
progress events). Secrets come from files, never the command line, so they do not show
in ``ps``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from functools import partial
from pathlib import Path

import uvicorn

from lab_devices.fleet.control import create_control_app
from lab_devices.fleet.runtime import EventSink, Fleet
from lab_devices.fleet.state import FleetState
from lab_devices.labs.labfile import load_labs
from lab_devices.mqtt.connection import BrokerConfig, MqttConnection

log = logging.getLogger("lab_devices.fleet.service")


def connection_factory(broker: BrokerConfig) -> partial[MqttConnection]:
    """A ``host.ConnectionFactory`` making real connections to ``broker``."""
    return partial(MqttConnection, broker)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lab_devices.fleet.service",
                                     description=__doc__)
    parser.add_argument("--labs", type=Path, required=True, help="Folder of <lab>/lab.yaml.")
    parser.add_argument("--mqtt-host", default="127.0.0.1")
    parser.add_argument("--mqtt-port", type=int, default=1883)
    parser.add_argument("--mqtt-unix-path",
                        help="The broker's Unix socket, when it runs on this machine: the same "
                             "MQTT at a lower kernel cost per message than loopback TCP.")
    parser.add_argument("--mqtt-username", default="senlab-fleet")
    parser.add_argument("--mqtt-password-file", type=Path, required=True)
    parser.add_argument("--control-host", default="127.0.0.1")
    parser.add_argument("--control-port", type=int, default=8102)
    parser.add_argument("--token-file", type=Path, required=True,
                        help="File holding the bearer token the control API requires.")
    parser.add_argument("--state-dir", type=Path,
                        help="Where the running labs and their evidence are kept, so that the "
                             "fleet resumes them when it is started again after dying.")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="Event loop: uvloop costs the fleet less CPU per message.")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def read_secret(path: Path, what: str) -> str:
    try:
        value = path.read_text().strip()
    except OSError as exc:
        raise SystemExit(f"{what} file {path}: {exc.strerror}") from None
    if not value:
        raise SystemExit(f"{what} file {path} is empty")
    return value


async def serve(args: argparse.Namespace, events: EventSink | None = None) -> None:
    labs = load_labs(args.labs)
    broker = BrokerConfig(args.mqtt_host, args.mqtt_port, args.mqtt_username,
                          read_secret(args.mqtt_password_file, "--mqtt-password-file"),
                          unix_path=args.mqtt_unix_path)
    state = FleetState(args.state_dir) if args.state_dir else None
    fleet = Fleet(connection_factory(broker), labs, events=events, state=state)
    app = create_control_app(fleet, read_secret(args.token_file, "--token-file"))
    server = uvicorn.Server(uvicorn.Config(app, host=args.control_host, port=args.control_port,
                                           log_level="warning", lifespan="off"))
    tasks = [asyncio.create_task(fleet.run()), asyncio.create_task(resume(fleet))]
    try:
        await server.serve()
    finally:
        await fleet.close()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)


async def resume(fleet: Fleet) -> None:
    """The labs the fleet ran before it died, started again beside the control API."""
    try:
        resumed = await fleet.resume()
    except Exception:  # noqa: BLE001 - the fleet serves new labs even if old ones fail
        log.exception("resuming the labs that were running failed")
        return
    if resumed:
        log.info("resumed %d lab(s) that were running", len(resumed))


def main(argv: list[str] | None = None, events: EventSink | None = None) -> None:
    """Run the fleet until SIGINT or SIGTERM; what happens in its labs goes to `events`."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    run = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        run = uvloop.run
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(args, events))


if __name__ == "__main__":
    main()
