"""A three-phase four-wire energy meter on a factory's low-voltage supply (220/380 V, 50 Hz).

Readings and their physics:

* ``v1``..``v3`` (V): phase-to-neutral voltage, 220 V nominal, sagging with load through
  the supply impedance, with slow wander; ``v12``, ``v23``, ``v31`` the line-to-line
  voltages of phases 120° apart, |Va − Vb| = √(Va² + Vb² + Va·Vb).
* ``i1``..``i3`` (A): I = P / (V · cos φ) per phase; single-phase loads share the load
  unevenly by a few per cent and at slightly different power factors.
* ``p1``..``p3`` (kW), ``q1``..``q3`` (kvar), ``s1``..``s3`` (kVA), ``pf1``..``pf3``: per
  phase P = V·I·cos φ, Q = V·I·sin φ, S = V·I.
* ``kw`` = Σ P_ph, ``kvar`` = Σ Q_ph, ``kva`` = √(kw² + kvar²) and ``pf`` = kw / kva; for a
  balanced load kw = √3 · V_LL · I · cos φ.
* ``kwh``, ``kvarh``: registers integrated by the trapezoid rule between ticks;
  ``kwh_normal``, ``kwh_peak``, ``kwh_off_peak`` split by EVN's time-of-use periods
  (``data/tou_periods.yaml``), ``cost_normal``, ``cost_peak``, ``cost_off_peak`` and
  ``cost_vnd`` their price before VAT at the customer's supply voltage
  (``data/evn_retail_prices.yaml``), and ``price_vnd_kwh`` the price in force now.
* ``ct_ratio``: the primary current (x/5 A) the meter scales its current inputs by.

The current transformers fitted are sized to the load from the standard rated primary
currents of IEC 61869-2 (``data/energy_instruments.yaml``) unless the lab names them; the
meter's accuracy classes (IEC 62053-21/-22 active, IEC 62053-24 reactive) are settings, and
both are in the retained ``meta`` message.

Alarms: a phase below 80 % of nominal (phase loss), above 110 %, a power factor under the
0.9 that the reactive-power rules charge for, and a current above the fitted CTs' extended
rating. A wrong ``ct_ratio`` is a miscalibration the trainee finds and fixes with
``set_ct_ratio``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from lab_devices.device.base import Device, DeviceSettings, InvalidSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.physics import Wander, local_hour, local_weekday
from lab_devices.device.tariff import Prices, TariffDataError, TouRegisters, TouSchedule
from lab_devices.models import data

NOMINAL_V = 220.0
# Hourly load as a share of rated power: a factory on two shifts with a night base load.
LOAD_PROFILE = (
    0.25, 0.25, 0.25, 0.25, 0.25, 0.3, 0.55, 0.85, 0.95, 0.95, 0.95, 0.8,
    0.7, 0.9, 0.95, 0.95, 0.9, 0.85, 0.7, 0.65, 0.6, 0.5, 0.3, 0.25,
)
VoltageLevel = Literal["ge_110kv", "22_110kv", "6_22kv", "lt_6kv"]


def power_factor(share: float) -> float:
    """Induction motors run at a poorer power factor at light load."""
    return 0.97 - 0.17 * math.exp(-3.0 * share)


def three_phase_power(phases: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    """Per-phase and total power of (V phase-to-neutral, I, cos φ) per phase, in kW/kvar/kVA."""
    if len(phases) != 3:
        raise ValueError(f"three_phase_power: needs 3 phases, not {len(phases)}")
    out: dict[str, float] = {}
    kw = kvar = 0.0
    for n, (volts, amps, pf) in enumerate(phases, start=1):
        if volts < 0 or amps < 0:
            raise ValueError(f"three_phase_power: phase {n} has V={volts}, I={amps}; both >= 0")
        if not 0.0 <= pf <= 1.0:
            raise ValueError(f"three_phase_power: phase {n} power factor {pf} is not in 0..1")
        s = volts * amps / 1000.0
        p, q = s * pf, s * math.sqrt(1.0 - pf * pf)
        out[f"p{n}"], out[f"q{n}"], out[f"s{n}"], out[f"pf{n}"] = p, q, s, pf
        kw, kvar = kw + p, kvar + q
    kva = math.hypot(kw, kvar)
    out.update(kw=kw, kvar=kvar, kva=kva, pf=kw / kva if kva else 1.0)
    return out


def line_to_line(va: float, vb: float) -> float:
    """|Va − Vb| for two phase voltages 120° apart."""
    return math.sqrt(va * va + vb * vb + va * vb)


def standard_ct_primaries(table: Mapping[str, Any], up_to: float) -> list[float]:
    """IEC 61869-2 5.201 rated primary currents (A) from 10 A up to ``up_to``."""
    series = [float(x) for x in table["ct"]["standard_primary_series_a"]]
    out: list[float] = []
    decade = 1.0
    while decade * series[0] <= up_to:
        out.extend(x * decade for x in series if x * decade <= up_to)
        decade *= 10.0
    return out


def rated_load_current(rated_kw: float) -> float:
    """Phase current (A) of the rated load at nominal voltage and full-load power factor."""
    return rated_kw * 1000.0 / (3.0 * NOMINAL_V * power_factor(1.0))


def size_ct(rated_kw: float, table: Mapping[str, Any]) -> int:
    """The smallest standard CT primary that carries the rated load at the design loading."""
    needed = rated_load_current(rated_kw) / float(table["ct"]["design_loading"])
    for primary in standard_ct_primaries(table, max(needed * 10.0, 100.0)):
        if primary >= needed and primary == int(primary):
            return int(primary)
    raise AssertionError("the series reaches any current")  # pragma: no cover


class EnergyMeterSettings(DeviceSettings):
    rated_kw: float = Field(250.0, gt=0, le=50_000, description="The factory's rated load.")
    ct_ratio: int | None = Field(
        None, ge=5, le=10_000,
        description="CT primary current (x/5 A) the meter is set to; by default the fitted one.")
    installed_ct_ratio: int | None = Field(
        None, ge=5, le=10_000,
        description="Rated primary current of the CTs fitted (IEC 61869-2 standard value); "
                    "by default sized to the rated load.")
    ct_extended_pct: Literal[100, 120, 150, 200] = Field(
        120, description="Extended current rating of the CTs (IEC 61869-2), % of rated.")
    meter_class: str = Field("0.5S", description="Active energy accuracy class.")
    reactive_class: str = Field("1S", description="Reactive energy accuracy class.")
    voltage_level: VoltageLevel = Field("lt_6kv", description="Supply voltage the price is for.")
    tou_schedule: str | None = Field(
        None, description="Time-of-use schedule of data/tou_periods.yaml; by default the one "
                          "in force.")


class SetCtRatio(Params):
    ratio: int = Field(ge=5, le=10_000)


class ThreePhaseEnergyMeter(Device):
    """V, I, P, Q, S and PF per phase, totals, and energy and cost registers by EVN period."""

    model = "energy_meter"
    description = "Three-phase four-wire energy meter, 220/380 V 50 Hz, CT operated"
    units = {"v1": "V", "v2": "V", "v3": "V", "i1": "A", "i2": "A", "i3": "A", "pf": "",
             "kw": "kW", "kvar": "kvar", "kwh": "kWh", "kvarh": "kvarh",
             "kwh_normal": "kWh", "kwh_peak": "kWh", "kwh_off_peak": "kWh",
             "v12": "V", "v23": "V", "v31": "V",
             "p1": "kW", "p2": "kW", "p3": "kW", "q1": "kvar", "q2": "kvar", "q3": "kvar",
             "s1": "kVA", "s2": "kVA", "s3": "kVA", "pf1": "", "pf2": "", "pf3": "",
             "kva": "kVA", "cost_normal": "VND", "cost_peak": "VND", "cost_off_peak": "VND",
             "cost_vnd": "VND", "price_vnd_kwh": "VND/kWh", "ct_ratio": "A/5A"}
    precision = {"pf": 3, "pf1": 3, "pf2": 3, "pf3": 3, "kwh": 3, "kvarh": 3,
                 "kwh_normal": 3, "kwh_peak": 3, "kwh_off_peak": 3, "p1": 3, "p2": 3,
                 "p3": 3, "q1": 3, "q2": 3, "q3": 3, "s1": 3, "s2": 3, "s3": 3, "kw": 3,
                 "kvar": 3, "kva": 3, "cost_normal": 0, "cost_peak": 0, "cost_off_peak": 0,
                 "cost_vnd": 0, "price_vnd_kwh": 0}
    Settings = EnergyMeterSettings

    @classmethod
    def validate_settings(cls, params: Mapping[str, Any]) -> DeviceSettings:
        """Field checks, then the CT, accuracy classes and tariff against the data files."""
        settings: EnergyMeterSettings = super().validate_settings(params)  # type: ignore[assignment]
        instruments = data.load("energy_instruments")
        errors: list[tuple[str, str]] = []
        if settings.installed_ct_ratio is not None:
            fitted = settings.installed_ct_ratio
            if fitted not in standard_ct_primaries(instruments, fitted):
                errors.append(("installed_ct_ratio", f"{fitted} A is not a standard rated "
                               "primary current of IEC 61869-2 (10, 12.5, 15, 20, 25, 30, 40, "
                               "50, 60, 75 A and their decimal multiples)"))
            else:
                limit = fitted * settings.ct_extended_pct / 100.0
                load_a = rated_load_current(settings.rated_kw)
                if load_a > limit:
                    errors.append(("installed_ct_ratio", f"{fitted}/5 A CTs (ext. "
                                   f"{settings.ct_extended_pct} %) cannot carry the rated load "
                                   f"of {settings.rated_kw:g} kW ({load_a:.0f} A per phase); "
                                   f"fit {size_ct(settings.rated_kw, instruments)}/5 A"))
        if settings.ct_ratio is not None and settings.ct_ratio % 5:
            errors.append(("ct_ratio", f"must be a multiple of 5, not {settings.ct_ratio}"))
        for name, kind in (("meter_class", "active"), ("reactive_class", "reactive")):
            classes = instruments["meter_classes"][kind]
            if getattr(settings, name) not in classes:
                errors.append((name, f"{getattr(settings, name)!r} is not one of "
                               f"{', '.join(classes)}"))
        try:
            TouSchedule.from_table(data.load("tou_periods"), settings.tou_schedule)
        except TariffDataError as exc:
            errors.append(("tou_schedule", str(exc)))
        if errors:
            raise InvalidSettings(cls.model, errors)
        return settings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        self.instruments = data.load("energy_instruments")
        self.installed_ct_ratio = (settings.installed_ct_ratio
                                   or size_ct(settings.rated_kw, self.instruments))
        self.ct_ratio = settings.ct_ratio or self.installed_ct_ratio
        self.tou = data.load("tou_periods")
        self.schedule = TouSchedule.from_table(self.tou, settings.tou_schedule)
        self.prices = Prices.from_table(data.load("evn_retail_prices"), settings.voltage_level)
        self.min_pf = float(self.tou["reactive_power"]["min_power_factor"])
        self.load_noise = Wander(self.normal, sigma=0.04, tau=120)
        self.volt_noise = [Wander(self.normal, sigma=1.2, tau=300) for _ in range(3)]
        share = [1.0 + self.rng.gauss(0, 0.03) for _ in range(3)]
        self.share = [3 * s / sum(share) for s in share]
        self.pf_offset = [self.rng.uniform(-0.02, 0.02) for _ in range(3)]
        self.registers = TouRegisters(self.schedule, self.prices)
        self._last: tuple[float, float, float] | None = None  # (t, kW, kvar) last tick
        self.max_true_current = 0.0

    def load_share(self, now: float) -> float:
        hour = local_hour(now)
        base = LOAD_PROFILE[int(hour)]
        if local_weekday(now) == 6:
            base = min(base, 0.3)
        return max(0.05, base * (1.0 + self.load_noise.value))

    def measure(self, now: float, dt: float) -> dict[str, Any]:
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        self.load_noise.step(dt)
        share = self.load_share(now)
        kw_load = settings.rated_kw * share
        base_pf = power_factor(share)
        # The meter scales secondary current by the ratio it is told, not the one fitted.
        current_scale = self.ct_ratio / self.installed_ct_ratio
        volts = [NOMINAL_V * (1.0 - 0.03 * share) + noise.step(dt) for noise in self.volt_noise]
        phases = []
        true_max = 0.0
        for n in range(3):
            pf = min(0.999, max(0.5, base_pf + self.pf_offset[n]))
            amps = kw_load * 1000.0 / 3.0 * self.share[n] / (volts[n] * pf)
            true_max = max(true_max, amps)
            phases.append((volts[n], amps * current_scale, pf))
        self.max_true_current = true_max
        power = three_phase_power(phases)
        kw, kvar = power["kw"], power["kvar"]
        if self._last is not None:
            t0, kw0, kvar0 = self._last
            self.registers.add(t0, now, kw0, kw, kvar0, kvar)
        self._last = (now, kw, kvar)
        period = self.registers.period_at(now)
        cost = self.registers.cost_by_period()
        r = self.registers
        return {
            "v1": volts[0], "v2": volts[1], "v3": volts[2],
            "i1": phases[0][1], "i2": phases[1][1], "i3": phases[2][1],
            "pf": power["pf"], "kw": kw, "kvar": kvar, "kwh": r.kwh, "kvarh": r.kvarh,
            "kwh_normal": r.kwh_by_period["normal"], "kwh_peak": r.kwh_by_period["peak"],
            "kwh_off_peak": r.kwh_by_period["off_peak"],
            "v12": line_to_line(volts[0], volts[1]), "v23": line_to_line(volts[1], volts[2]),
            "v31": line_to_line(volts[2], volts[0]),
            **{key: power[key] for key in ("p1", "p2", "p3", "q1", "q2", "q3", "s1", "s2", "s3",
                                           "pf1", "pf2", "pf3", "kva")},
            "cost_normal": cost["normal"], "cost_peak": cost["peak"],
            "cost_off_peak": cost["off_peak"], "cost_vnd": sum(cost.values()),
            "price_vnd_kwh": self.prices.per_kwh[period], "ct_ratio": self.ct_ratio,
        }

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        raised = {}
        for phase in (1, 2, 3):
            volts = values.get(f"v{phase}", NOMINAL_V)
            if volts < 0.8 * NOMINAL_V:
                raised[f"phase{phase}_loss"] = f"phase {phase} at {volts:.0f} V"
            elif volts > 1.1 * NOMINAL_V:
                raised[f"phase{phase}_over"] = f"phase {phase} at {volts:.0f} V"
        if values.get("pf", 1.0) < self.min_pf:
            raised["pf_low"] = f"power factor {values['pf']:.3f} below {self.min_pf}"
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        limit = self.installed_ct_ratio * settings.ct_extended_pct / 100.0
        if self.max_true_current > limit:
            raised["ct_over_rating"] = (f"{self.max_true_current:.0f} A above the "
                                        f"{self.installed_ct_ratio}/5 A CTs' {limit:.0f} A")
        return raised

    def meta(self) -> dict[str, Any]:
        settings: EnergyMeterSettings = self.settings  # type: ignore[assignment]
        classes = self.instruments["meter_classes"]
        return {**super().meta(), "config": {
            "ct": {"installed": f"{self.installed_ct_ratio}/5",
                   "rated_primary_a": self.installed_ct_ratio, "rated_secondary_a": 5,
                   "extended_rating_pct": settings.ct_extended_pct, "standard": "IEC 61869-2"},
            "meter_class": {"active": settings.meter_class,
                            "active_standard": classes["active"][settings.meter_class],
                            "reactive": settings.reactive_class,
                            "reactive_standard": classes["reactive"][settings.reactive_class]},
            "rated_kw": settings.rated_kw,
            "tariff": {"schedule": self.schedule.name, "schedule_source": self.schedule.source,
                       "voltage_level": self.prices.voltage_level,
                       "prices_vnd_kwh": dict(self.prices.per_kwh),
                       "prices_source": self.prices.source, "vat_included": False},
        }}

    @command("Set the current transformer ratio the meter scales by (x/5 A).", SetCtRatio)
    def cmd_set_ct_ratio(self, params: SetCtRatio) -> dict[str, Any]:
        if params.ratio % 5:
            raise CommandError(f"set_ct_ratio: ratio must be a multiple of 5, not {params.ratio}")
        old, self.ct_ratio = self.ct_ratio, params.ratio
        self.record("setpoint_changed", {"setpoint": "ct_ratio", "from": old, "to": params.ratio})
        return {"ct_ratio": self.ct_ratio}

    @command("Read the energy and cost registers and the current time-of-use period.")
    def cmd_read_registers(self, params: Params) -> dict[str, Any]:
        return {"registers": {k: round(v, 3) for k, v in self.register_values().items()},
                "tou_period": self.schedule.period_at(self.now),
                "tou_schedule": self.schedule.name,
                "prices_vnd_kwh": dict(self.prices.per_kwh),
                "ct_ratio": self.ct_ratio, "meter_class": self.settings.meter_class}  # type: ignore[attr-defined]

    def register_values(self) -> dict[str, float]:
        r = self.registers
        cost = r.cost_by_period()
        return {"kwh": r.kwh, "kvarh": r.kvarh, "kwh_normal": r.kwh_by_period["normal"],
                "kwh_peak": r.kwh_by_period["peak"], "kwh_off_peak": r.kwh_by_period["off_peak"],
                "cost_normal": cost["normal"], "cost_peak": cost["peak"],
                "cost_off_peak": cost["off_peak"], "cost_vnd": sum(cost.values())}

    def extra_state(self) -> dict[str, Any]:
        return {"ct_ratio": self.ct_ratio, "installed_ct_ratio": self.installed_ct_ratio,
                "ct_ratio_correct": self.ct_ratio == self.installed_ct_ratio,
                "registers": self.register_values(),
                "tou_period": self.schedule.period_at(self.now)}
