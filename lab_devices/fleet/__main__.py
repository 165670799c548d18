"""``python -m lab_devices.fleet``: the fleet service (see ``lab_devices.fleet.service``)."""

from lab_devices.fleet.service import main

main()
