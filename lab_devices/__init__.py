"""Emulated industrial devices for SenLab's live labs, in layers.

- ``device``: the ``Device`` base class, its commands, faults and evidence. Devices are
  plain objects: ``tick(now)`` returns the messages a device publishes and
  ``handle(command)`` returns its reply. No I/O.
- ``models``: one device model per file; the registry ``MODELS`` in its ``__init__``.
- ``mqtt``: the MQTT codec and connection (the only code that moves bytes), the fake
  link for tests, Sparkplug B, and a local Mosquitto for development.
- ``labs``: the ``lab.yaml`` model and the checks that judge a lab on the devices' evidence.
- ``fleet``: the runtime that hosts many devices on one asyncio loop, its control API,
  event forwarding and the service entry point (``python -m lab_devices.fleet``).
- ``radio``: 3GPP channel models, KPIs, coverage, and the 5G network the radio devices share.

Each layer imports only the layers above it in this list. The package imports nothing
from ``senlab``, so a fleet can run beside real devices, far from the hub.
"""
