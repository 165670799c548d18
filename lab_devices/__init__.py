"""Emulated industrial devices for SenLab's live labs.

Devices are plain objects (``base.Device``): ``tick(now)`` returns the messages a device
publishes and ``handle(command)`` returns its reply. They do no I/O. The link modules
(``link.py``, ``fake_link.py``) are the only places that move bytes, and ``fleet.py``
hosts many devices on one asyncio loop. This package imports nothing from ``senlab``, so
a fleet can run beside real devices, far from the hub.
"""
