"""QoS flows and network slices, and what a congested cell does to each flow.

- `five_qi(value)`: the standardized characteristics of a 5QI, TS 23.501 Table 5.7.4-1
  (``data/tables/five_qi.yaml``): resource type (GBR, Non-GBR, Delay-critical GBR),
  default priority level (lower is served first), packet delay budget, packet error
  rate, and for delay-critical GBR the default maximum data burst volume.
- `Snssai(sst, sd)`: a network slice, S-NSSAI of TS 23.501 §5.15.2: the Slice/Service
  Type (standardized values of Table 5.15.2.2-1: 1 eMBB, 2 URLLC, 3 MIoT, 4 V2X) and an
  optional 24-bit Slice Differentiator.
- `QosFlow`: one flow of one UE: its 5QI, slice, demand and, for GBR flows, the
  guaranteed flow bit rate (GFBR), plus the rate the UE's link gives with every PRB.
- `schedule(flows)`: a simple priority scheduler over one cell's PRBs: GBR and
  delay-critical GBR flows in order of priority level take the PRBs their GFBR needs;
  the Non-GBR flows share what is left, equal PRB shares capped at their demand (the
  surplus of a satisfied flow goes to the others). A real gNB also weighs Non-GBR
  flows by priority and channel quality; this is the teaching core of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLES_DIR = Path(__file__).parent / "data" / "tables"
RESOURCE_TYPES = ("GBR", "Non-GBR", "Delay-critical GBR")
# TS 23.501 Table 5.15.2.2-1
STANDARD_SST = {1: "eMBB", 2: "URLLC", 3: "MIoT", 4: "V2X"}
NO_SD = 0xFFFFFF  # reserved for "no SD" (TS 23.003 §28.4.2 as we know it): SDs end at FFFFFE


@dataclass(frozen=True)
class FiveQi:
    """Standardized QoS characteristics of one 5QI (TS 23.501 Table 5.7.4-1)."""

    value: int
    resource_type: str
    priority_level: int
    packet_delay_budget_ms: int
    packet_error_rate: float
    max_data_burst_bytes: int | None
    services: str

    @property
    def guaranteed(self) -> bool:
        """GBR and delay-critical GBR flows have a guaranteed flow bit rate."""
        return self.resource_type != "Non-GBR"


@lru_cache(maxsize=1)
def five_qi_table() -> dict[int, FiveQi]:
    raw = yaml.safe_load((TABLES_DIR / "five_qi.yaml").read_text(encoding="utf-8"))
    return {int(k): FiveQi(int(k), v[0], int(v[1]), int(v[2]), float(v[3]),
                           None if v[4] is None else int(v[4]), str(v[5]))
            for k, v in raw.items()}


def five_qi(value: int) -> FiveQi:
    """The characteristics of a standardized 5QI, or a ValueError naming the field."""
    table = five_qi_table()
    if isinstance(value, bool) or not isinstance(value, int) or value not in table:
        raise ValueError(f"five_qi: {value!r} is not a standardized 5QI (TS 23.501 Table "
                         f"5.7.4-1); known: {', '.join(map(str, sorted(table)))}")
    return table[value]


@dataclass(frozen=True)
class Snssai:
    """A network slice: SST and an optional SD (TS 23.501 §5.15.2.1)."""

    sst: int
    sd: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.sst, bool) or not isinstance(self.sst, int) or not 0 <= self.sst <= 255:
            raise ValueError(f"sst: {self.sst!r} is not a Slice/Service Type 0-255 (8 bits)")
        if self.sd is not None and not (isinstance(self.sd, int) and 0 <= self.sd < NO_SD):
            raise ValueError(f"sd: {self.sd!r} is not a Slice Differentiator 0x000000-0xFFFFFE")

    @property
    def service(self) -> str:
        """eMBB, URLLC, MIoT, V2X, or "operator-specific" for the other SST values."""
        return STANDARD_SST.get(self.sst, "operator-specific")

    def text(self) -> str:
        """The usual notation: "1" or "1-0000A1"."""
        return str(self.sst) if self.sd is None else f"{self.sst}-{self.sd:06X}"


@dataclass(frozen=True)
class QosFlow:
    """One QoS flow: whose, which 5QI and slice, what it asks for, what its link gives."""

    name: str
    five_qi: int
    slice: Snssai
    demand_mbps: float
    full_rate_mbps: float  # the UE's rate with every PRB of the cell
    gfbr_mbps: float | None = None  # GBR flows: the guaranteed rate (default: the demand)

    def __post_init__(self) -> None:
        qos = five_qi(self.five_qi)
        if self.demand_mbps < 0:
            raise ValueError(f"flow {self.name!r}: demand_mbps must be ≥ 0; got {self.demand_mbps}")
        if self.full_rate_mbps < 0:
            raise ValueError(f"flow {self.name!r}: full_rate_mbps must be ≥ 0; "
                             f"got {self.full_rate_mbps}")
        if self.gfbr_mbps is not None:
            if not qos.guaranteed:
                raise ValueError(f"flow {self.name!r}: gfbr_mbps is for GBR flows; 5QI "
                                 f"{self.five_qi} is Non-GBR")
            if not 0 <= self.gfbr_mbps <= self.demand_mbps:
                raise ValueError(f"flow {self.name!r}: gfbr_mbps must be in 0-demand_mbps "
                                 f"({self.demand_mbps:g}); got {self.gfbr_mbps}")

    @property
    def qos(self) -> FiveQi:
        return five_qi(self.five_qi)

    @property
    def guaranteed_mbps(self) -> float:
        if not self.qos.guaranteed:
            return 0.0
        return self.demand_mbps if self.gfbr_mbps is None else self.gfbr_mbps


@dataclass(frozen=True)
class Grant:
    """What the scheduler gives one flow."""

    flow: str
    five_qi: int
    resource_type: str
    priority_level: int
    slice: str
    prb_share: float
    rate_mbps: float
    demand_mbps: float
    gbr_met: bool | None  # None for Non-GBR flows

    def as_dict(self) -> dict:
        return {"flow": self.flow, "five_qi": self.five_qi, "resource_type": self.resource_type,
                "priority_level": self.priority_level, "slice": self.slice,
                "prb_share": round(self.prb_share, 4), "rate_mbps": round(self.rate_mbps, 3),
                "demand_mbps": self.demand_mbps, "gbr_met": self.gbr_met}


def schedule(flows: Sequence[QosFlow], prb_budget: float = 1.0) -> list[Grant]:
    """Share `prb_budget` (a share of the cell's PRBs, 0-1) among `flows`; see the module."""
    if not 0.0 <= prb_budget <= 1.0:
        raise ValueError(f"prb_budget: must be in [0, 1]; got {prb_budget!r}")
    names = [f.name for f in flows]
    if len(set(names)) != len(names):
        raise ValueError(f"flows: names must be unique; got {names}")
    share: dict[str, float] = {f.name: 0.0 for f in flows}
    left = prb_budget
    # 1. guaranteed flows, highest priority (lowest level) first; ties keep their order
    for f in sorted((f for f in flows if f.qos.guaranteed), key=lambda f: f.qos.priority_level):
        need = f.guaranteed_mbps / f.full_rate_mbps if f.full_rate_mbps > 0 else 0.0
        share[f.name] = min(need, left)
        left -= share[f.name]
    # 2. non-GBR flows: equal shares of the rest, capped at demand (water-filling)
    hungry = [f for f in flows if not f.qos.guaranteed and f.full_rate_mbps > 0
              and f.demand_mbps > 0]
    while hungry and left > 1e-12:
        equal = left / len(hungry)
        capped = [f for f in hungry if f.demand_mbps / f.full_rate_mbps - share[f.name] <= equal]
        if not capped:
            for f in hungry:
                share[f.name] += equal
            left = 0.0
            break
        for f in capped:
            extra = f.demand_mbps / f.full_rate_mbps - share[f.name]
            share[f.name] += extra
            left -= extra
        hungry = [f for f in hungry if f not in capped]
    grants = []
    for f in flows:
        rate = share[f.name] * f.full_rate_mbps
        met = None if not f.qos.guaranteed else rate >= f.guaranteed_mbps - 1e-9
        grants.append(Grant(f.name, f.five_qi, f.qos.resource_type, f.qos.priority_level,
                            f.slice.text(), share[f.name], rate, f.demand_mbps, met))
    return grants
