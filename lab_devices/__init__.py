"""Emulated industrial devices for SenLab's live labs, in layers.

- ``device``: the ``Device`` base class, its commands, faults and evidence. Devices are
  plain objects: ``tick(now)`` returns the messages a device publishes and
  ``handle(command)`` returns its reply. No I/O.
- ``radio``: 3GPP channel models, KPIs, coverage, and the 5G network the radio devices share.
- ``models``: one device model per file; the registry ``MODELS`` in its ``__init__``.
- ``mqtt``: the MQTT codec and connection (the only code that moves bytes), the fake
  link for tests, Sparkplug B, and a local Mosquitto for development and live validation.
- ``labs``: the ``lab.yaml`` model, the checks that judge a lab on the devices' evidence,
  and the 5G labs' pictures for the docs.
- ``fleet``: the runtime that hosts many devices on one asyncio loop, its control API,
  event forwarding and the service entry point (``python -m lab_devices.fleet``).

Each layer imports only layers listed before it (``device``, ``radio`` and ``mqtt`` none).
The package imports nothing from ``senlab``, so a fleet can run beside real devices, far
from the hub.
"""
