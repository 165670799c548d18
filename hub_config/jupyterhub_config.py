"""JupyterHub's configuration for SenLab.

Everything is built from the SENLAB_ settings by `senlab.hub.config.configure`; `senlab up`
starts the hub with this file. Change settings, not this file.
"""

from senlab.hub.config import configure
from senlab.settings import get_settings

configure(c, get_settings())  # noqa: F821 - `c` is the config object JupyterHub provides
