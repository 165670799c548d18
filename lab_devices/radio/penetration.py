"""Building entry loss: the O2I models of TR 38.901 V17.0.0 §7.4.3.1.

Table 7.4.3-1 gives the loss of each material, Table 7.4.3-2 the two building models:

- low-loss:  PL_tw = 5 - 10 log10(0.3·10^(-L_glass/10) + 0.7·10^(-L_concrete/10))
- high-loss: PL_tw = 5 - 10 log10(0.7·10^(-L_IRRglass/10) + 0.3·10^(-L_concrete/10))

plus the indoor loss 0.5 dB per metre of indoor distance. We use the median (no σ_P) and
take the indoor distance as the depth of the point behind its nearest wall, capped at
the 25 m the table draws d2D-in from: a teaching simplification of the random d2D-in.
"""

from __future__ import annotations

import math

INDOOR_LOSS_DB_PER_M = 0.5
MAX_INDOOR_DISTANCE_M = 25.0


def material_loss_db(material: str, fc_ghz: float) -> float:
    """Penetration loss of one material (Table 7.4.3-1), fc in GHz."""
    formulas = {
        "standard glass": 2.0 + 0.2 * fc_ghz,
        "irr glass": 23.0 + 0.3 * fc_ghz,
        "concrete": 5.0 + 4.0 * fc_ghz,
        "wood": 4.85 + 0.12 * fc_ghz,
    }
    if material not in formulas:
        raise ValueError(f"unknown material {material!r}: expected one of {sorted(formulas)}")
    return formulas[material]


def wall_loss_db(wall: str, fc_ghz: float) -> float:
    """PL_tw of the low-loss or high-loss building model (Table 7.4.3-2)."""
    concrete = 10 ** (-material_loss_db("concrete", fc_ghz) / 10)
    if wall == "low-loss":
        glass = 10 ** (-material_loss_db("standard glass", fc_ghz) / 10)
        return 5.0 - 10.0 * math.log10(0.3 * glass + 0.7 * concrete)
    if wall == "high-loss":
        glass = 10 ** (-material_loss_db("irr glass", fc_ghz) / 10)
        return 5.0 - 10.0 * math.log10(0.7 * glass + 0.3 * concrete)
    raise ValueError(f"unknown wall {wall!r}: expected 'low-loss' or 'high-loss'")
