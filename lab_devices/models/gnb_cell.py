"""A 5G cell (gNB) of the park's cell plan, as its operations console shows it.

The device is one cell of the lab's park layout (``cell``, e.g. ``FEED-2``). Each tick it
puts its configuration on the lab's `RadioNetwork` (so the modems of the lab see it),
then computes its load with `lab_devices.radio.network_snapshot` from the users it
serves: ``background_ues`` terminals (AGVs, cameras, handhelds) placed around the cell
whose demand wanders, plus the lab's modem devices where they are now. It reports:

| channel | unit | meaning |
| --- | --- | --- |
| ``prb_util`` | % | share of the carrier's PRBs scheduled |
| ``prbs_used`` | | PRBs scheduled out of N_RB (TS 38.101 Table 5.3.2-1) |
| ``connected_ues`` | | users the cell serves |
| ``throughput`` | Mbit/s | downlink rate delivered to them |
| ``demand`` | Mbit/s | downlink rate they ask for |
| ``sinr`` | dB | mean SINR of the CSI reports of its users (null when none) |
| ``cqi`` | | mean CQI of its users |
| ``tx_power`` | dBm | configured transmit power |
| ``tilt`` | ° | configured downtilt |

Faults: ``offline`` is a cell outage (the site is off the air and silent); ``interference``
on ``sinr`` is an interferer in the band around the cell that raises its users'
interference plus noise by ``magnitude`` dB (their SINR, CQI and throughput fall; the
fix is ``set_channel``); a wrong tilt, power, band or carrier (``arfcn``) is a param that
differs from the cell plan. Bands are frequency ranges (`lab_devices.radio.bands`): the
plan's carrier, 3750 MHz, lies in n78 and in n77, so a cell set to n77 still serves n78
modems; a carrier outside the configured band (``band: n78`` with ``arfcn`` at 3850 MHz)
is a configuration the cell cannot be set up with, and it stays off the air
(``setup_error`` in the state) until ``set_band`` or ``set_channel`` makes it whole. The
state also says whose licence the carrier lies in (``licence``: VNPT C2 for the plan).
Commands (each kept as evidence): ``set_tilt``, ``set_power``, ``set_band``,
``set_channel``, ``enable``, ``disable``; ``qos`` reports the QoS flows.

QoS flows (``flows``: name, 5QI, slice SST/SD, demand, GFBR) are terminals near the
cell: each tick they and the cell's other users (their default bearer, 5QI 9 on the
eMBB slice) are scheduled on its PRBs by the priority scheduler of
`lab_devices.radio.qos` (guaranteed flows by priority level, Non-GBR share the rest);
the state's ``qos`` lists what each flow gets and whether its GFBR is met. The PRB and
throughput channels keep the load model of `network_snapshot`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.device.physics import Wander
from lab_devices.radio import LayoutError, UeDemand, bands, network_snapshot, ue_kpis
from lab_devices.radio.kpi import cqi_from_sinr, spectral_efficiency
from lab_devices.radio.network import (
    DEFAULT_LAYOUT,
    DEFAULT_RADIO_SEED,
    network_for,
    park_layout,
)
from lab_devices.radio.qos import QosFlow, Snssai, five_qi, schedule

# A radio unit tunes within the bands it was built for: a mid-band unit takes n77 and n78
# (3300-4200 MHz), not mmWave. Band ranges: `lab_devices.radio.bands` (TS 38.101-1/-2
# Table 5.2-1). A band is only a label on the carrier: it changes nothing on the air, but
# a carrier outside the configured band is a configuration the cell cannot be set up with.
SAME_RADIO = {"n77": ("n77", "n78"), "n78": ("n77", "n78"), "n41": ("n41",),
              "n79": ("n79",), "n257": ("n257", "n258"), "n258": ("n257", "n258")}


def arfcn_mhz(arfcn: int) -> float:
    """NR-ARFCN to MHz, TS 38.104 §5.4.2.1 global raster: F = F_REF-Offs + ΔF (N - N_REF-Offs)
    with ΔF 5 kHz below 3 GHz, 15 kHz to 24.25 GHz, 60 kHz above."""
    if arfcn < 600000:
        return 0.005 * arfcn
    if arfcn < 2016667:
        return 3000.0 + 0.015 * (arfcn - 600000)
    return 24250.08 + 0.06 * (arfcn - 2016667)


def mhz_arfcn(mhz: float) -> int:
    """The NR-ARFCN of the global-raster point nearest to `mhz` (inverse of `arfcn_mhz`)."""
    if mhz < 3000.0:
        return round(mhz / 0.005)
    if mhz < 24250.08:
        return 600000 + round((mhz - 3000.0) / 0.015)
    return 2016667 + round((mhz - 24250.08) / 0.06)


def band_arfcns(name: str) -> tuple[int, int]:
    """The NR-ARFCNs of a band's downlink edges."""
    low, high = bands.band(name).dl_mhz
    return mhz_arfcn(low), mhz_arfcn(high)


def band_of(fc_ghz: float, bandwidth_mhz: float = 0.0) -> str:
    """The narrowest band holding a carrier (n78 before n77), or a ValueError."""
    return bands.band_for_carrier(fc_ghz, bandwidth_mhz)


class FlowSpec(BaseModel):
    """A QoS flow of a terminal near the cell: which 5QI and slice, how much it asks for."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    five_qi: int
    sst: int = 1
    sd: int | None = None
    demand_mbps: float = Field(ge=0, le=2000)
    gfbr_mbps: float | None = Field(None, ge=0, le=2000)
    x_m: float | None = None  # None: 10 m from the cell
    y_m: float | None = None


class GnbSettings(DeviceSettings):
    layout: str = Field(DEFAULT_LAYOUT, description="Bundled park layout.")
    radio_seed: int = Field(DEFAULT_RADIO_SEED, description="Seed of the park's fading.")
    cell: str = Field("FEED-2", description="The cell of the layout this gNB is.")
    tilt_deg: float | None = Field(None, ge=-10, le=30, description="None: the plan's.")
    tx_power_dbm: float | None = Field(None, ge=0, le=49, description="None: the plan's.")
    band: str | None = Field(None, description="None: the plan's band.")
    arfcn: int | None = Field(None, ge=0, le=3279165, description="None: the plan's carrier.")
    enabled: bool = True
    background_ues: int = Field(6, ge=0, le=40)
    ue_demand_mbps: float = Field(15.0, ge=0, le=1000)
    spread_m: float = Field(40.0, gt=0, le=500, description="Radius of the background UEs.")
    flows: list[FlowSpec] = Field(default_factory=list,
                                  description="QoS flows scheduled on the PRBs users leave.")

    @model_validator(mode="after")
    def _cell_of_the_park(self) -> GnbSettings:
        try:
            layout = park_layout(self.layout)
        except LayoutError as exc:
            raise ValueError(f"layout: {exc}") from None
        cells = {c.name: c for c in layout.cells}
        if self.cell not in cells:
            raise ValueError(f"cell: no cell {self.cell!r} in {layout.name!r}; "
                             f"cells: {', '.join(cells)}")
        plan = cells[self.cell]
        for i, flow in enumerate(self.flows):
            try:
                five_qi(flow.five_qi)
                Snssai(flow.sst, flow.sd)
                QosFlow(flow.name, flow.five_qi, Snssai(flow.sst, flow.sd), flow.demand_mbps,
                        1.0, flow.gfbr_mbps)
            except ValueError as exc:
                raise ValueError(f"flows.{i}: {exc}") from None
        if self.band is not None:
            allowed = SAME_RADIO.get(band_of(plan.fc_ghz, plan.bandwidth_mhz), ())
            if self.band not in allowed:
                raise ValueError(f"band: {self.cell}'s radio takes {', '.join(allowed)}, "
                                 f"not {self.band!r}")
        return self


class Tilt(Params):
    degrees: float = Field(ge=-10, le=30)


class Power(Params):
    dbm: float = Field(ge=0, le=49)


class BandChoice(Params):
    band: str = Field(min_length=1, max_length=8)


class Channel(Params):
    arfcn: int


class GnbCell(Device):
    """One cell of the park: its configuration, load and users."""

    model = "gnb_cell"
    description = "5G NR cell (gNB) of an industrial park's cell plan"
    units = {"prb_util": "%", "prbs_used": "", "connected_ues": "", "throughput": "Mbit/s",
             "demand": "Mbit/s", "sinr": "dB", "cqi": "", "tx_power": "dBm", "tilt": "°"}
    precision = {"prb_util": 1, "throughput": 1, "demand": 1, "sinr": 1, "cqi": 1,
                 "tx_power": 1, "tilt": 1}
    Settings = GnbSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s: GnbSettings = self.settings  # type: ignore[assignment]
        self.network = network_for(self.trainee, self.lab, self.started_at, s.layout,
                                   s.radio_seed)
        self.name = s.cell
        self.plan = self.network.planned_cell(s.cell)
        self.planned_band = band_of(self.plan.fc_ghz, self.plan.bandwidth_mhz)
        self.planned_arfcn = mhz_arfcn(self.plan.fc_ghz * 1000.0)
        self.tilt_deg = self.plan.tilt_deg if s.tilt_deg is None else s.tilt_deg
        self.tx_power_dbm = self.plan.tx_power_dbm if s.tx_power_dbm is None else s.tx_power_dbm
        self.band = s.band or self.planned_band
        self.arfcn = self.planned_arfcn if s.arfcn is None else s.arfcn
        self.enabled = s.enabled
        self.grants: list[dict[str, Any]] = []
        self.background = self._place_background(s)
        self.demand_wander = [Wander(self.rng, sigma=0.3, tau=120) for _ in self.background]
        self._push()

    def _place_background(self, s: GnbSettings) -> list[tuple[float, float]]:
        xmin, ymin, xmax, ymax = self.network.radio.layout.bounds
        points = []
        for _ in range(s.background_ues):
            r = s.spread_m * math.sqrt(self.rng.random())
            a = 2 * math.pi * self.rng.random()
            points.append((min(max(self.plan.x_m + r * math.cos(a), xmin), xmax),
                           min(max(self.plan.y_m + r * math.sin(a), ymin), ymax)))
        return points

    @property
    def centre_mhz(self) -> float:
        return arfcn_mhz(self.arfcn)

    def setup_error(self) -> str | None:
        """Why the cell cannot be set up with its configuration (carrier outside its band)."""
        try:
            bands.check_carrier(self.band, self.centre_mhz / 1000.0, self.plan.bandwidth_mhz,
                                field="arfcn")
        except ValueError as exc:
            return f"{exc} (NR-ARFCN {self.arfcn})"
        return None

    @property
    def on_air(self) -> bool:
        return self.online and self.enabled and self.setup_error() is None

    def _interference_db(self) -> float:
        return sum(r.fault.magnitude for r in self.faults.records
                   if r.fault.kind == "interference" and r.fault.channel == "sinr"
                   and r.active(self.now))

    def _push(self) -> None:
        """Put this cell's configuration and state on the lab's network."""
        net = self.network
        net.configure(self.name, tilt_deg=self.tilt_deg, tx_power_dbm=self.tx_power_dbm,
                      fc_ghz=round(self.centre_mhz / 1000.0, 6))
        net.set_on_air(self.name, self.on_air)
        rise = self._interference_db()
        if rise > 0:
            net.noise_rise_db[self.name] = rise
        else:
            net.noise_rise_db.pop(self.name, None)

    def _users(self, dt: float) -> list[UeDemand]:
        base = self.settings.ue_demand_mbps  # type: ignore[attr-defined]
        users = [UeDemand(f"{self.name}/bg{i}", x, y, base * math.exp(w.step(dt)))
                 for i, ((x, y), w) in enumerate(zip(self.background, self.demand_wander,
                                                     strict=True))]
        return users + [u for u in self.network.ues.values() if u.demand_mbps > 0]

    def measure(self, now: float, dt: float) -> dict[str, float]:
        self._push()
        users = self._users(dt)
        if not self.on_air:
            self.network.load.pop(self.name, None)
            self.grants = self._schedule_flows([])
            return self._values(0.0, 0, 0, 0.0, sum(u.demand_mbps for u in users), [])
        ues, loads = network_snapshot(self.network.radio, users, self.network.live_cells())
        load = loads[self.name]
        self.network.load[self.name] = max(load.prb_utilisation, 0.01)
        mine = [(u, ues[u.name]) for u in users if ues[u.name].serving_cell == self.name]
        self.grants = self._schedule_flows([u for u, _ in mine])
        rise = self._interference_db()
        served, sinrs = 0.0, []
        for user, k in mine:
            sinr = k.sinr_db - rise
            ratio = 1.0
            if rise > 0 and k.spectral_efficiency > 0:
                layers = 1 if sinr < 10 else self.plan.layers
                ratio = float(spectral_efficiency(cqi_from_sinr(sinr), layers)) / \
                    k.spectral_efficiency
            served += min(user.demand_mbps, k.throughput_mbps * ratio)
            sinrs.append(k.sinr_db)
        return self._values(load.prb_utilisation * 100, load.prbs_used, len(mine), served,
                            load.demand_mbps, sinrs)

    def _values(self, util: float, prbs: int, count: int, served: float, demand: float,
                sinrs: list[float]) -> dict[str, float]:
        rise = self._interference_db()
        # the framework lowers the reported ``sinr`` by the interference fault itself
        mean_sinr = float(np.mean(sinrs)) if sinrs else math.nan
        mean_cqi = float(np.mean(cqi_from_sinr(np.array(sinrs) - rise))) if sinrs else 0.0
        return {"prb_util": util, "prbs_used": int(prbs), "connected_ues": count,
                "throughput": served, "demand": demand, "sinr": mean_sinr, "cqi": mean_cqi,
                "tx_power": self.tx_power_dbm, "tilt": self.tilt_deg}

    def telemetry_payload(self, now: float, values: Any) -> bytes:
        shown = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in values.items()}
        return super().telemetry_payload(now, {**shown, "cell": self.name,
                                               "on_air": self.on_air, "band": self.band})

    # -- commands ----------------------------------------------------------------------
    def _changed(self, setpoint: str, old: Any, new: Any) -> None:
        self.record("setpoint_changed", {"setpoint": setpoint, "from": old, "to": new,
                                         "cell": self.name})
        self._push()

    @command("Return the latest readings.")
    def cmd_get(self, params: Params) -> dict[str, Any]:
        values = {k: (round(v, 2) if isinstance(v, float) and math.isfinite(v)
                      else None if isinstance(v, float) else v) for k, v in self.values.items()}
        return {"values": values, "cell": self.name, "on_air": self.on_air}

    @command("Set the antenna downtilt in degrees (positive points down).", Tilt)
    def cmd_set_tilt(self, params: Tilt) -> dict[str, Any]:
        old, self.tilt_deg = self.tilt_deg, params.degrees
        self._changed("tilt_deg", old, self.tilt_deg)
        return {"tilt_deg": self.tilt_deg, "planned_tilt_deg": self.plan.tilt_deg}

    @command("Set the transmit power in dBm (the whole carrier).", Power)
    def cmd_set_power(self, params: Power) -> dict[str, Any]:
        old, self.tx_power_dbm = self.tx_power_dbm, params.dbm
        self._changed("tx_power_dbm", old, self.tx_power_dbm)
        return {"tx_power_dbm": self.tx_power_dbm}

    @command("Set the band the cell's carrier is configured in (the radio must take it).",
             BandChoice)
    def cmd_set_band(self, params: BandChoice) -> dict[str, Any]:
        allowed = SAME_RADIO.get(self.planned_band, (self.planned_band,))
        if params.band not in allowed:
            raise CommandError(f"set_band: this radio takes {', '.join(allowed)}, "
                               f"not {params.band!r}")
        try:
            bands.check_carrier(params.band, self.centre_mhz / 1000.0, self.plan.bandwidth_mhz,
                                field="band")
        except ValueError as exc:
            raise CommandError(f"set_band: {exc}") from None
        old, self.band = self.band, params.band
        self._changed("band", old, self.band)
        return {"band": self.band, "arfcn": self.arfcn, "on_air": self.on_air}

    @command("Retune the carrier to an NR-ARFCN of its band (moves off an interferer).",
             Channel)
    def cmd_set_channel(self, params: Channel) -> dict[str, Any]:
        band = bands.band(self.band)
        low, high = band_arfcns(self.band)
        half = self.plan.bandwidth_mhz / 2
        centre = arfcn_mhz(params.arfcn)
        edge_low, edge_high = band.dl_mhz
        if not (low <= params.arfcn <= high and edge_low <= centre - half + 1e-6
                and centre + half <= edge_high + 1e-6):
            raise CommandError(
                f"set_channel: NR-ARFCN {params.arfcn} puts the {self.plan.bandwidth_mhz} MHz "
                f"carrier outside {self.band} ({edge_low:g}-{edge_high:g} MHz; "
                f"NR-ARFCN {low}-{high})")
        old, self.arfcn = self.arfcn, params.arfcn
        fixed = self.faults.remedy("set_channel", None, self.now)
        resolved = self._resolved(fixed, "set_channel")
        self._changed("arfcn", old, self.arfcn)
        return {"arfcn": self.arfcn, "centre_mhz": round(centre, 3), "resolved": resolved,
                "licence": self.licence()}

    def licence(self) -> str | None:
        """Whose 5G block the carrier lies in (2024 auctions), or None: no auctioned block."""
        held = bands.operator_of(self.centre_mhz / 1000.0, self.plan.bandwidth_mhz)
        return f"{held.operator} {held.block}" if held else None

    @command("Put the cell on the air.")
    def cmd_enable(self, params: Params) -> dict[str, Any]:
        was, self.enabled = self.enabled, True
        self.record("cell_enabled", {"cell": self.name})
        self._push()
        return {"enabled": True, "changed": not was}

    @command("Take the cell off the air (planned work).")
    def cmd_disable(self, params: Params) -> dict[str, Any]:
        was, self.enabled = self.enabled, False
        self.record("cell_disabled", {"cell": self.name})
        self._push()
        return {"enabled": False, "changed": was}

    def _schedule_flows(self, users: list[UeDemand]) -> list[dict[str, Any]]:
        """The cell's QoS flows and its other users (default bearer, 5QI 9) scheduled on
        all its PRBs by `lab_devices.radio.qos.schedule`."""
        specs = self.settings.flows  # type: ignore[attr-defined]
        if not specs:
            return []
        net = self.network
        on_air = self.on_air

        def full_rate(x: float, y: float) -> float:
            if not on_air:
                return 0.0
            k = ue_kpis(net.radio, (x, y), net.live_cells(), serving=self.name,
                        activity=net.activity(0.5))
            return k.throughput_mbps if k.serving_cell == self.name else 0.0

        flows = []
        for spec in specs:
            x = self.plan.x_m + 10.0 if spec.x_m is None else spec.x_m
            y = self.plan.y_m if spec.y_m is None else spec.y_m
            flows.append(QosFlow(spec.name, spec.five_qi, Snssai(spec.sst, spec.sd),
                                 spec.demand_mbps, full_rate(x, y), spec.gfbr_mbps))
        for user in users:
            flows.append(QosFlow(user.name, 9, Snssai(1), user.demand_mbps,
                                 full_rate(user.x_m, user.y_m)))
        return [g.as_dict() for g in schedule(flows)]

    @command("Schedule the cell's QoS flows now and say what each one gets.")
    def cmd_qos(self, params: Params) -> dict[str, Any]:
        return {"cell": self.name, "on_air": self.on_air, "flows": self.grants}

    def extra_state(self) -> dict[str, Any]:
        plan = self.plan
        matches = (self.enabled and self.tilt_deg == plan.tilt_deg
                   and self.tx_power_dbm == plan.tx_power_dbm and self.band == self.planned_band
                   and self.arfcn == self.planned_arfcn)
        return {"cell": self.name, "enabled": self.enabled, "on_air": self.on_air,
                "tilt_deg": self.tilt_deg, "planned_tilt_deg": plan.tilt_deg,
                "tx_power_dbm": self.tx_power_dbm, "planned_tx_power_dbm": plan.tx_power_dbm,
                "band": self.band, "planned_band": self.planned_band, "arfcn": self.arfcn,
                "planned_arfcn": self.planned_arfcn, "centre_mhz": round(self.centre_mhz, 3),
                "licence": self.licence(), "setup_error": self.setup_error(),
                "qos": self.grants, "matches_plan": matches}
