"""The lab broker as a hub-managed service: write its config, then become Mosquitto.

The hub starts this command and restarts it when it exits. `exec` keeps one process,
so the hub's signals reach Mosquitto itself.
"""

from __future__ import annotations

import os
import shutil
import sys

from senlab.broker.config import write_broker_config
from senlab.settings import get_settings, refuse_weak_settings


def main() -> None:
    settings = get_settings()
    refuse_weak_settings(settings, "senlab broker")
    binary = shutil.which(settings.mosquitto)
    if binary is None:
        sys.exit(f"senlab broker: {settings.mosquitto!r} not found; install Mosquitto "
                 "(apt-get install mosquitto) or set SENLAB_MOSQUITTO")
    conf = write_broker_config(settings)
    os.execv(binary, [binary, "-c", str(conf)])


if __name__ == "__main__":
    main()
