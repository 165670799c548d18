"""5G radio emulation from 3GPP models (placeholder docstring, completed below)."""

from .pathloss import pathloss
from .scenarios import SCENARIO_NAMES, SPEC, get_scenario

__all__ = ["SCENARIO_NAMES", "SPEC", "get_scenario", "pathloss"]
