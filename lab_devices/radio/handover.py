"""Connected-mode handover as a real modem does it: L3-filtered RSRP and event A3.

- L3 filtering, TS 38.331 §5.5.3.2: ``F_n = (1 - a) F_(n-1) + a M_n`` with
  ``a = 1 / 2^(k/4)``, ``k`` the ``filterCoefficient`` (fc0 … fc19, default fc4), and
  ``F_0 = M_1``. The filter runs on dBm values, as the clause's note says for RSRP.
  The clause adapts ``a`` so that the filter keeps its time characteristics when the
  measurement period is not the 200 ms it assumes; `L3Filter` does the same:
  ``a_T = 1 - (1 - a)^(T / 200 ms)``.
- Event A3, TS 38.331 §5.5.4.4, entering condition A3-1:
  ``Mn + Ofn + Ocn - Hys > Mp + Ofp + Ocp + Off``, with ``Off`` the ``a3-Offset``,
  ``Hys`` the ``hysteresis``, ``Ofn``/``Ofp`` the ``offsetMO`` of the neighbour's and
  the serving cell's carrier and ``Ocn``/``Ocp`` their ``cellIndividualOffset``. The
  measurement report goes out when the condition has held for ``timeToTrigger``
  (TS 38.331 §5.5.4.1), and the network is taken to hand over at once to the
  strongest cell that triggered (the common gNB policy; the standard leaves the
  decision to the network).
- Radio link failure is simplified: when the serving cell leaves the air or falls
  below the UE's sensitivity, the UE re-establishes on the strongest cell it hears.

The value sets are those of the ASN.1 of TS 38.331 §6.3.2: ``TimeToTrigger`` ms0 …
ms5120 and ``FilterCoefficient`` fc0-fc9, fc11, fc13, fc15, fc17, fc19 (both checked
against the ASN.1); ``Hysteresis`` INTEGER (0..30) and ``MeasTriggerQuantityOffset``
INTEGER (-30..30) in 0.5 dB units, so 0-15 dB and -15 to 15 dB (these two ranges are
quoted from the ASN.1 as we know it, not re-checked against a copy of the text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

TIME_TO_TRIGGER_MS = (0, 40, 64, 80, 100, 128, 160, 256, 320, 480, 512, 640, 1024, 1280,
                      2560, 5120)
FILTER_COEFFICIENTS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 17, 19)
L3_BASE_PERIOD_S = 0.2  # the measurement period §5.5.3.2 assumes for its coefficient
MAX_HISTORY = 200  # handovers kept


def _half_db(value: float, name: str, low: float, high: float) -> float:
    if not (low <= value <= high) or abs(value * 2 - round(value * 2)) > 1e-9:
        raise ValueError(f"{name}: {value!r} dB is not a multiple of 0.5 dB in "
                         f"{low:g} to {high:g} dB (TS 38.331 §6.3.2)")
    return float(value)


@dataclass(frozen=True)
class A3Config:
    """The lab's handover settings: reportConfigNR (event A3) and quantityConfig."""

    offset_db: float = 3.0  # a3-Offset, Off
    hysteresis_db: float = 1.0  # hysteresis, Hys
    time_to_trigger_ms: int = 640  # timeToTrigger
    filter_coefficient: int = 4  # filterCoefficient k of quantityConfigNR (fc4)
    cell_offsets_db: Mapping[str, float] = field(default_factory=dict)  # Ocn / Ocp
    carrier_offsets_db: Mapping[float, float] = field(default_factory=dict)  # Ofn / Ofp

    def __post_init__(self) -> None:
        _half_db(self.offset_db, "a3_offset_db", -15.0, 15.0)
        _half_db(self.hysteresis_db, "hysteresis_db", 0.0, 15.0)
        if self.time_to_trigger_ms not in TIME_TO_TRIGGER_MS:
            raise ValueError(f"time_to_trigger_ms: {self.time_to_trigger_ms!r} is not one of "
                             f"{', '.join(map(str, TIME_TO_TRIGGER_MS))} (TS 38.331 TimeToTrigger)")
        if self.filter_coefficient not in FILTER_COEFFICIENTS:
            raise ValueError(f"filter_coefficient: {self.filter_coefficient!r} is not one of "
                             f"{', '.join(map(str, FILTER_COEFFICIENTS))} "
                             f"(TS 38.331 FilterCoefficient)")

    @property
    def a(self) -> float:
        """a = 1 / 2^(k/4) of TS 38.331 §5.5.3.2."""
        return 1.0 / 2 ** (self.filter_coefficient / 4)

    def ocn(self, cell: str) -> float:
        return float(self.cell_offsets_db.get(cell, 0.0))

    def ofn(self, fc_ghz: float) -> float:
        return float(self.carrier_offsets_db.get(fc_ghz, 0.0))

    def entering(self, mn: float, mp: float, *, ofn: float = 0.0, ocn: float = 0.0,
                 ofp: float = 0.0, ocp: float = 0.0) -> bool:
        """Inequality A3-1: Mn + Ofn + Ocn - Hys > Mp + Ofp + Ocp + Off."""
        return mn + ofn + ocn - self.hysteresis_db > mp + ofp + ocp + self.offset_db


class L3Filter:
    """Per-cell L3 filter of TS 38.331 §5.5.3.2 on RSRP in dBm."""

    def __init__(self, filter_coefficient: int) -> None:
        self.base_a = 1.0 / 2 ** (filter_coefficient / 4)
        self.values: dict[str, float] = {}

    def coefficient(self, period_s: float) -> float:
        """a for a measurement period other than 200 ms, keeping the time constant."""
        return 1.0 - (1.0 - self.base_a) ** (period_s / L3_BASE_PERIOD_S)

    def update(self, measured: Mapping[str, float], period_s: float = L3_BASE_PERIOD_S
               ) -> dict[str, float]:
        """Feed one measurement per cell; return the filtered values (F_0 = M_1)."""
        a = self.coefficient(period_s)
        for name, m in measured.items():
            old = self.values.get(name)
            self.values[name] = m if old is None or not math.isfinite(old) else \
                (1 - a) * old + a * m
        for name in set(self.values) - set(measured):
            del self.values[name]  # a cell off the air starts afresh when it returns
        return dict(self.values)


@dataclass(frozen=True)
class Handover:
    """One handover: when, from which cell to which, and the A3 window that justified it."""

    time_s: float
    source: str
    target: str
    entered_s: float  # when A3-1 started to hold for the target
    window: tuple[tuple[float, float, float], ...]  # (t, F_target, F_source) over the TTT


class A3Handover:
    """The serving cell of one UE, updated per measurement by event A3."""

    def __init__(self, config: A3Config, sensitivity_dbm: float = -125.0) -> None:
        self.config = config
        self.sensitivity_dbm = sensitivity_dbm
        self.filter = L3Filter(config.filter_coefficient)
        self.serving: str | None = None
        self.entered: dict[str, float] = {}  # neighbour -> time A3-1 began to hold
        self.windows: dict[str, list[tuple[float, float, float]]] = {}
        self.history: list[Handover] = []
        self.last_time: float | None = None

    def step(self, time_s: float, rsrp_dbm: Mapping[str, float],
             carriers: Mapping[str, float] | None = None) -> str | None:
        """One measurement of every audible cell at `time_s`; return the serving cell."""
        period = L3_BASE_PERIOD_S if self.last_time is None else \
            max(time_s - self.last_time, 1e-3)
        self.last_time = time_s
        heard = {k: v for k, v in rsrp_dbm.items() if math.isfinite(v)}
        f = self.filter.update(heard, period)
        audible = {k: v for k, v in f.items() if v >= self.sensitivity_dbm}
        if not audible:
            self.serving = None
            self._reset()
            return None
        if self.serving not in audible:
            # first attach, or re-establishment after a radio link failure
            self.serving = max(audible, key=audible.__getitem__)
            self._reset()
            return self.serving
        cfg = self.config
        fc = carriers or {}
        mp, sp = audible[self.serving], self.serving
        ofp, ocp = cfg.ofn(fc.get(sp, 0.0)), cfg.ocn(sp)
        ready: list[tuple[float, str]] = []
        for name, mn in audible.items():
            if name == sp:
                continue
            ofn, ocn = cfg.ofn(fc.get(name, 0.0)), cfg.ocn(name)
            if not cfg.entering(mn, mp, ofn=ofn, ocn=ocn, ofp=ofp, ocp=ocp):
                self.entered.pop(name, None)
                self.windows.pop(name, None)
                continue
            self.entered.setdefault(name, time_s)
            self.windows.setdefault(name, []).append((time_s, mn, mp))
            if (time_s - self.entered[name]) * 1000.0 >= cfg.time_to_trigger_ms - 1e-6:
                ready.append((mn + ofn + ocn, name))
        if ready:
            _, target = max(ready)
            self.history.append(Handover(time_s, sp, target, self.entered[target],
                                         tuple(self.windows[target])))
            del self.history[:-MAX_HISTORY]
            self.serving = target
            self._reset()
        return self.serving

    def _reset(self) -> None:
        self.entered.clear()
        self.windows.clear()
