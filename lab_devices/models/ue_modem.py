"""A 5G modem (CPE/UE) on a moving AGV or in a technician's hand, walking a route in a park.

Every tick the modem moves along its route (park metres, see `radio.network.Route`) and
reports what a real modem's engineering screen shows, computed by the radio models of
`lab_devices.radio` (TR 38.901 path loss and fading, TS 38.215/38.214/38.306 KPI chain)
from the cells of its lab's `RadioNetwork` as they are now:

| channel | unit | meaning |
| --- | --- | --- |
| ``x``, ``y`` | m | position east and north of the park's south-west corner |
| ``speed`` | km/h | 0 while it dwells or holds at a waypoint |
| ``rsrp`` | dBm | SS-RSRP of the serving cell (null without service) |
| ``rsrq`` | dB | SS-RSRQ |
| ``sinr`` | dB | SS-SINR |
| ``cqi`` | | CQI 0-15 (TS 38.214 Table 5.2.2.1-2) |
| ``throughput`` | Mbit/s | downlink rate on the PRBs the other users leave |
| ``uplink`` | Mbit/s | uplink rate on the same share (one layer, 23 dBm) |
| ``latency`` | ms | one-way user-plane latency (null without service) |

Each message also names ``serving_cell``. RSRP carries the measurement error of a real
modem (``measurement_sigma_db``, 1 dB by default).

The serving cell changes as a connected modem's does (`lab_devices.radio.handover`): the
physical layer samples every cell's RSRP every 200 ms, the L3 filter of TS 38.331
§5.5.3.2 smooths it (``filter_coefficient`` k, a = 1/2^(k/4), fc4 by default), and the
modem hands over when event A3 of §5.5.4.4 (``a3_offset_db``, ``hysteresis_db``) has held
for ``time_to_trigger_ms``. The state counts ``handovers`` and names the last one.
Throughput and uplink are those of the MCS the CQI schedules (TS 38.214), over the
DDDSU pattern's symbols at the 10 % BLER target (`lab_devices.radio.nr.link_rate_mbps`).

Faults:

* ``interference`` on channel ``sinr`` (a lab fault): an interferer raises interference
  plus noise by ``magnitude`` dB, so SINR falls by that much and RSRQ, CQI, throughput
  and latency follow. A gNB's interference fault reaches the modems its cell serves;
* cell outage, wrong tilt, wrong power, wrong carrier: ``cell_faults`` (params) or what
  a gNB device of the same lab does to its cell;
* wrong band: ``band`` (params) locked on a band whose frequency range holds no cell of
  the park (bands are ranges, `lab_devices.radio.bands`: the park's 3700-3800 MHz
  carrier lies in n78 and in n77, not in n41 or n79); the fix is the ``set_band``
  command. A band outside ``supported_bands`` is refused;
* ``offline`` and ``dropout``, as on every device.

Commands: ``attach``, ``detach``, ``set_band``, ``report_now``, ``goto`` a waypoint and
``resume``, and the lab answers ``classify`` (a reading's drive-test bands),
``report_dead_zone`` and ``report_cell_fault``, each kept as evidence with ``correct``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from lab_devices.device.base import Device, DeviceSettings
from lab_devices.device.commands import CommandError, Params, command
from lab_devices.radio import LayoutError, UeDemand, UeKpis, bands, ue_kpis
from lab_devices.radio.handover import A3Config, A3Handover
from lab_devices.radio.kpi import RSRP_BANDS_DBM, SINR_BANDS_DB, classify
from lab_devices.radio.link import SENSITIVITY_DBM
from lab_devices.radio.network import (
    DEFAULT_LAYOUT,
    DEFAULT_RADIO_SEED,
    Route,
    Waypoint,
    distance_to_polyline,
    longest_run,
    network_for,
    park_layout,
)

# Bands a typical FR1+FR2 industrial CPE supports: ranges of TS 38.101-1/-2 Table 5.2-1
# (`lab_devices.radio.bands`). A modem locked on a band hears the cells whose carrier
# lies inside that band's range.
DEFAULT_SUPPORTED_BANDS = ("n1", "n3", "n28", "n41", "n77", "n78", "n79", "n257", "n258")
MEASUREMENT_PERIOD_S = 0.2  # the physical layer's RSRP period the L3 filter assumes
MAX_SAMPLES_PER_TICK = 50  # longer ticks measure less often (the filter adapts its a)
# An AGV loop in the feed mill hall of the bundled park (x, y metres; dwell seconds).
DEFAULT_ROUTE = ((575.0, 640.0, 30.0), (845.0, 640.0, 0.0), (845.0, 760.0, 30.0),
                 (575.0, 760.0, 0.0))
MIN_PRB_SHARE = 0.05  # a scheduler never starves a UE completely
HISTORY = 600  # readings a trainee may classify: 10 minutes at 1 s
DEAD_ZONE_STEP_M = 5.0
CELL_FAULT_KEYS = {"outage": "outage", "tilt": "tilt_deg", "power": "tx_power_dbm",
                   "carrier": "fc_ghz"}


class CellFault(Params):
    """What a lab breaks on one cell before the trainee arrives."""

    outage: bool = False
    tilt_deg: float | None = Field(None, ge=-10, le=30)
    tx_power_dbm: float | None = Field(None, ge=0, le=49)
    fc_ghz: float | None = Field(None, gt=0.5, le=100)

    @model_validator(mode="after")
    def _carrier_in_a_band(self) -> CellFault:
        if self.fc_ghz is not None:
            bands.band_for_carrier(self.fc_ghz)  # ValueError: "fc_ghz: ... is in no NR band"
        return self


class UeSettings(DeviceSettings):
    layout: str = Field(DEFAULT_LAYOUT, description="Bundled park layout.")
    radio_seed: int = Field(DEFAULT_RADIO_SEED, description="Seed of the park's fading.")
    route: list[tuple[float, float, float]] = Field(
        default_factory=lambda: list(DEFAULT_ROUTE), description="Waypoints (x m, y m, dwell s)."
    )
    speed_kmh: float = Field(5.0, gt=0, le=60, description="AGV or walking speed.")
    band: str = Field("n78", description="Band the modem is locked on.")
    supported_bands: list[str] = Field(default_factory=lambda: list(DEFAULT_SUPPORTED_BANDS),
                                       description="Bands the modem's radio supports.")
    a3_offset_db: float = Field(3.0, description="Event A3 a3-Offset (TS 38.331).")
    hysteresis_db: float = Field(1.0, description="Event A3 hysteresis.")
    time_to_trigger_ms: int = Field(640, description="Event A3 timeToTrigger.")
    filter_coefficient: int = Field(4, description="L3 filterCoefficient k (fc4).")
    attached: bool = True
    demand_mbps: float = Field(20.0, ge=0, le=2000, description="Downlink rate it asks for.")
    cell_load: float = Field(0.5, ge=0, le=1, description="Busy share of cells with no gNB.")
    measurement_sigma_db: float = Field(1.0, ge=0, le=6)
    cell_faults: dict[str, CellFault] = Field(default_factory=dict)
    dead_zone_rsrp_dbm: float = Field(-110.0, ge=-140, le=-60)
    dead_zone_tolerance_m: float = Field(40.0, gt=0, le=500)

    @model_validator(mode="after")
    def _fits_the_park(self) -> UeSettings:
        try:
            layout = park_layout(self.layout)
        except LayoutError as exc:
            raise ValueError(f"layout: {exc}") from None
        for name in self.supported_bands:
            try:
                bands.band(name)
            except ValueError as exc:
                raise ValueError(f"supported_bands: {exc}") from None
        if self.band not in self.supported_bands:
            raise ValueError(f"band: {self.band!r} is not one of {', '.join(self.supported_bands)}"
                             f" (the bands this modem supports)")
        self.a3_config()
        if len(self.route) < 2:
            raise ValueError("route: a route needs at least 2 waypoints")
        xmin, ymin, xmax, ymax = layout.bounds
        for i, (x, y, dwell) in enumerate(self.route):
            if not (xmin <= x <= xmax and ymin <= y <= ymax) or dwell < 0:
                raise ValueError(f"route.{i}: ({x}, {y}, {dwell}) is outside the park "
                                 f"({xmin:g}-{xmax:g} m, {ymin:g}-{ymax:g} m) or dwells < 0 s")
        names = {c.name for c in layout.cells}
        for name in self.cell_faults:
            if name not in names:
                raise ValueError(f"cell_faults: no cell {name!r}; cells: {', '.join(names)}")
        return self

    def a3_config(self) -> A3Config:
        """The handover settings; a ValueError naming the field when one is not valid."""
        return A3Config(offset_db=self.a3_offset_db, hysteresis_db=self.hysteresis_db,
                        time_to_trigger_ms=self.time_to_trigger_ms,
                        filter_coefficient=self.filter_coefficient)


class Band(Params):
    band: str = Field(min_length=1, max_length=8)


class Goto(Params):
    waypoint: int


class Classify(Params):
    seq: int
    rsrp: Literal["excellent", "good", "fair", "poor", "none"]
    sinr: Literal["excellent", "good", "fair", "poor", "none"]


class Place(Params):
    x_m: float
    y_m: float


class CellFaultReport(Params):
    cell: str = Field(min_length=1, max_length=40)
    kind: Literal["outage", "tilt", "power", "carrier"]


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


class UeModem(Device):
    """A 5G modem moving on a route, reporting KPIs from the park's radio models."""

    model = "ue_modem"
    description = "5G NR modem (CPE/UE) on a route in an industrial park"
    units = {"x": "m", "y": "m", "speed": "km/h", "rsrp": "dBm", "rsrq": "dB", "sinr": "dB",
             "cqi": "", "throughput": "Mbit/s", "uplink": "Mbit/s", "latency": "ms"}
    precision = {"x": 1, "y": 1, "speed": 1, "rsrp": 1, "rsrq": 1, "sinr": 1,
                 "throughput": 1, "uplink": 1, "latency": 1}
    Settings = UeSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s: UeSettings = self.settings  # type: ignore[assignment]
        self.network = network_for(self.trainee, self.lab, self.started_at, s.layout,
                                   s.radio_seed)
        for name, fault in s.cell_faults.items():
            changes = {k: v for k, v in fault.model_dump(exclude={"outage"}).items()
                       if v is not None}
            self.network.configure(name, **changes)
            if fault.outage:
                self.network.set_on_air(name, False)
        self.route = Route([Waypoint(*point) for point in s.route])
        self.leg, self.along = 0, 0.0
        self.dwell_left = self.route.waypoints[0].dwell_s
        self.hold_at: int | None = None
        self.band = s.band
        self.attached = s.attached
        self.kpis: UeKpis | None = None
        self.position = self.route.point(0, 0.0)
        self.history: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self.handover = A3Handover(s.a3_config(), SENSITIVITY_DBM)
        self.noise = np.random.default_rng(self.rng.getrandbits(32))
        self.measured: dict[str, float] = {}
        self._dead_zone_cache: dict[tuple, list[tuple[float, float]] | None] = {}

    # -- motion ------------------------------------------------------------------------
    def _move(self, dt: float) -> float:
        """Advance along the route for dt seconds; return the speed in km/h."""
        if self.hold_at == self.leg and self.along == 0.0:
            return 0.0
        if self.dwell_left > 0:
            self.dwell_left -= dt
            return 0.0
        speed = self.settings.speed_kmh  # type: ignore[attr-defined]
        travel = speed / 3.6 * dt
        n = len(self.route.waypoints)
        while travel > 0:
            remaining = self.route.lengths[self.leg] - self.along
            if travel < remaining:
                self.along += travel
                break
            travel -= remaining
            self.leg, self.along = (self.leg + 1) % n, 0.0
            if self.hold_at == self.leg:
                break
            if self.route.waypoints[self.leg].dwell_s > 0:
                self.dwell_left = self.route.waypoints[self.leg].dwell_s
                break
        return speed

    # -- radio -------------------------------------------------------------------------
    def _own_interference_db(self) -> float:
        return sum(r.fault.magnitude for r in self.faults.records
                   if r.fault.kind == "interference" and r.fault.channel == "sinr"
                   and r.active(self.now))

    def audible_cells(self) -> list:
        """The cells on the air whose carrier lies in the band the modem is locked on."""
        locked = bands.band(self.band)
        return [c for c in self.network.live_cells() if locked.holds(c.fc_ghz, c.bandwidth_mhz)]

    def measure_rsrp(self, x: float, y: float, cells: list) -> np.ndarray:
        """One physical-layer RSRP sample per cell: the map's value plus the modem's error."""
        rsrp = self.network.radio.rsrp_at(cells, x, y)
        sigma = self.settings.measurement_sigma_db  # type: ignore[attr-defined]
        return rsrp + self.noise.normal(0.0, sigma, size=rsrp.shape) if sigma > 0 else rsrp

    def measure_kpis(self, x: float, y: float, *, noisy: bool = True,
                     serving: str | None = None, rsrp: np.ndarray | None = None) -> UeKpis:
        """The modem's KPIs at (x, y) with the network as it is now.

        `serving` is the cell the handover procedure keeps (None: the strongest, as in
        idle mode and for the dead-zone map); `rsrp` the sample measured for the cells.
        """
        s: UeSettings = self.settings  # type: ignore[assignment]
        net = self.network
        cells = self.audible_cells()
        if rsrp is None:
            rsrp = self.measure_rsrp(x, y, cells) if noisy else net.radio.rsrp_at(cells, x, y)
        options: dict[str, Any] = {"activity": net.activity(s.cell_load), "serving": serving,
                                   "rsrp_dbm": rsrp}

        def run(**extra: Any) -> UeKpis:
            return ue_kpis(net.radio, (x, y), cells, **options, **extra)

        kpis = run()
        serving = kpis.serving_cell
        if serving is None:
            return kpis
        rise = self._own_interference_db() + net.noise_rise_db.get(serving, 0.0)
        if rise > 0:
            # An interferer that raises interference plus noise (I + N = S / SINR) by
            # `rise` dB adds (I + N)(10^(rise/10) - 1) per RE.
            extra = kpis.rsrp_dbm - kpis.sinr_db + 10 * math.log10(10 ** (rise / 10) - 1)
            kpis = run(extra_noise_dbm_per_re=extra)
        share = max(MIN_PRB_SHARE, 1.0 - options["activity"][serving])
        if not self.attached:
            return replace(kpis, throughput_mbps=0.0, uplink_mbps=0.0, latency_ms=math.nan)
        return replace(kpis, throughput_mbps=kpis.throughput_mbps * share,
                       uplink_mbps=kpis.uplink_mbps * share)

    def measure(self, now: float, dt: float) -> dict[str, float]:
        # the physical layer measures every 200 ms (at most 50 times a tick); each sample
        # goes through the L3 filter and event A3, which keep or change the serving cell
        steps = 1 if dt <= 0 else min(MAX_SAMPLES_PER_TICK,
                                      max(1, math.ceil(dt / MEASUREMENT_PERIOD_S - 1e-9)))
        sub = dt / steps if dt > 0 else 0.0
        cells = self.audible_cells()
        names = [c.name for c in cells]
        speed = 0.0
        rsrp = np.zeros(0)
        for step in range(steps):
            if sub > 0:
                speed = self._move(sub)
            x, y = self.route.point(self.leg, self.along)
            rsrp = self.measure_rsrp(x, y, cells)
            self.handover.step(now - dt + (step + 1) * sub, dict(zip(names, rsrp, strict=True)))
        x, y = self.position = self.route.point(self.leg, self.along)
        self.measured = dict(zip(names, (float(v) for v in rsrp), strict=True))
        demand = self.settings.demand_mbps if self.attached else 0.0  # type: ignore[attr-defined]
        self.network.ues[self.device_id] = UeDemand(self.device_id, x, y, demand)
        k = self.kpis = self.measure_kpis(x, y, serving=self.handover.serving, rsrp=rsrp)
        # the framework lowers the reported SINR by the modem's own interference fault;
        # report the value before it so the reading ends up as the physics above says
        sinr = k.sinr_db + self._own_interference_db()
        return {"x": x, "y": y, "speed": speed, "rsrp": k.rsrp_dbm, "rsrq": k.rsrq_db,
                "sinr": sinr, "cqi": k.cqi, "throughput": k.throughput_mbps,
                "uplink": k.uplink_mbps, "latency": k.latency_ms}

    def readable(self, values: dict[str, Any]) -> dict[str, Any]:
        """Values as JSON shows them: no service is null, with the serving cell named."""
        out = {key: (_finite(v) if isinstance(v, float) else v) for key, v in values.items()}
        out["serving_cell"] = self.kpis.serving_cell if self.kpis else None
        return out

    def telemetry_payload(self, now: float, values: Any) -> bytes:
        shown = self.readable(dict(values))
        self.history[self.seq] = (classify(_nan(shown["rsrp"]), RSRP_BANDS_DBM),
                                  classify(_nan(shown["sinr"]), SINR_BANDS_DB))
        if len(self.history) > HISTORY:
            self.history.popitem(last=False)
        return super().telemetry_payload(now, shown)

    # -- the dead zone -----------------------------------------------------------------
    def dead_zone(self) -> list[tuple[float, float]] | None:
        """The longest stretch of the route below the dead-zone RSRP (models, no noise)."""
        s: UeSettings = self.settings  # type: ignore[assignment]
        net = self.network
        key = (tuple(net.live_cells()), self.band, s.dead_zone_rsrp_dbm)
        if key not in self._dead_zone_cache:
            points = self.route.samples(DEAD_ZONE_STEP_M)
            dead = [not (self.measure_kpis(x, y, noisy=False).rsrp_dbm >= s.dead_zone_rsrp_dbm)
                    for x, y in points]
            self._dead_zone_cache[key] = longest_run(points, dead)
        return self._dead_zone_cache[key]

    # -- commands ----------------------------------------------------------------------
    @command("Return the latest readings.")
    def cmd_get(self, params: Params) -> dict[str, Any]:
        return {"values": self.readable(dict(self.values))}

    @command("Attach to the network (register and get a data session).")
    def cmd_attach(self, params: Params) -> dict[str, Any]:
        was, self.attached = self.attached, True
        self.record("ue_attached", {"band": self.band})
        return {"attached": True, "changed": not was}

    @command("Detach from the network: no data, idle-mode measurements only.")
    def cmd_detach(self, params: Params) -> dict[str, Any]:
        was, self.attached = self.attached, False
        self.network.ues.pop(self.device_id, None)
        self.record("ue_detached", {})
        return {"attached": False, "changed": was}

    @command("Lock the modem on an NR band (n78, n77, n41, n257 …).", Band)
    def cmd_set_band(self, params: Band) -> dict[str, Any]:
        supported = self.settings.supported_bands  # type: ignore[attr-defined]
        if params.band not in supported:
            raise CommandError(f"set_band: band {params.band!r} is not supported; supported: "
                               f"{', '.join(supported)}")
        old, self.band = self.band, params.band
        self.record("setpoint_changed", {"setpoint": "band", "from": old, "to": self.band})
        return {"band": self.band, "dl_mhz": list(bands.band(self.band).dl_mhz)}

    @command("Measure now and return the KPIs at the current position.")
    def cmd_report_now(self, params: Params) -> dict[str, Any]:
        x, y = self.position
        k = self.measure_kpis(x, y, serving=self.handover.serving)
        values = {"x": x, "y": y, "rsrp": k.rsrp_dbm, "rsrq": k.rsrq_db, "sinr": k.sinr_db,
                  "cqi": k.cqi, "throughput": k.throughput_mbps, "latency": k.latency_ms}
        self.kpis = k
        return {"values": self.readable(values), "zone": k.zone, "band": self.band}

    @command("Drive to a waypoint of the route and hold there (resume goes on).", Goto)
    def cmd_goto(self, params: Goto) -> dict[str, Any]:
        n = len(self.route.waypoints)
        if not 0 <= params.waypoint < n:
            raise CommandError(f"goto: waypoint must be 0 to {n - 1}; got {params.waypoint}")
        self.hold_at = params.waypoint
        self.dwell_left = 0.0
        self.record("setpoint_changed", {"setpoint": "waypoint", "to": params.waypoint})
        point = self.route.waypoints[params.waypoint]
        return {"waypoint": params.waypoint, "x": point.x_m, "y": point.y_m}

    @command("Leave the waypoint held by goto and go on along the route.")
    def cmd_resume(self, params: Params) -> dict[str, Any]:
        if self.hold_at is None:
            raise CommandError("resume: the modem is not holding at a waypoint")
        self.hold_at = None
        return {"resumed": True}

    @command("Classify a reading (by its seq) into RSRP and SINR drive-test bands.", Classify)
    def cmd_classify(self, params: Classify) -> dict[str, Any]:
        truth = self.history.get(params.seq)
        if truth is None:
            held = f"{next(iter(self.history))}-{next(reversed(self.history))}" \
                if self.history else "none yet"
            raise CommandError(f"classify: no reading with seq {params.seq}; held: {held}")
        correct = (params.rsrp, params.sinr) == truth
        self.record("kpi_classified", {"seq": params.seq, "rsrp": params.rsrp,
                                       "sinr": params.sinr, "correct": correct})
        return {"seq": params.seq, "correct": correct}

    @command("Report where on the route you found the dead zone (park metres).", Place)
    def cmd_report_dead_zone(self, params: Place) -> dict[str, Any]:
        xmin, ymin, xmax, ymax = self.network.radio.layout.bounds
        if not (xmin <= params.x_m <= xmax and ymin <= params.y_m <= ymax):
            raise CommandError(f"report_dead_zone: ({params.x_m}, {params.y_m}) is outside "
                               f"the park ({xmin:g}-{xmax:g} m, {ymin:g}-{ymax:g} m)")
        stretch = self.dead_zone()
        error = (math.inf if stretch is None
                 else distance_to_polyline(params.x_m, params.y_m, stretch))
        correct = error <= self.settings.dead_zone_tolerance_m  # type: ignore[attr-defined]
        self.record("dead_zone_reported", {"x_m": params.x_m, "y_m": params.y_m,
                                           "error_m": _finite(error), "correct": correct})
        return {"recorded": True}

    @command("Report what is wrong with a cell: outage, tilt, power or carrier.",
             CellFaultReport)
    def cmd_report_cell_fault(self, params: CellFaultReport) -> dict[str, Any]:
        try:
            wrong = self.network.faults_of(params.cell)
            self.network.planned_cell(params.cell)
        except KeyError as exc:
            raise CommandError(f"report_cell_fault: {exc.args[0]}") from None
        correct = CELL_FAULT_KEYS[params.kind] in wrong
        self.record("cell_fault_reported", {"cell": params.cell, "kind": params.kind,
                                            "correct": correct})
        return {"cell": params.cell, "kind": params.kind, "correct": correct}

    # -- what checks and meta read ---------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return {**super().meta(),
                "fields": {"serving_cell": "name of the serving cell; null without service"},
                "route": [list(point) for point in self.settings.route],  # type: ignore[attr-defined]
                "bands": {"rsrp_dbm": RSRP_BANDS_DBM[:-1], "sinr_db": SINR_BANDS_DB[:-1]}}

    def extra_state(self) -> dict[str, Any]:
        last = self.handover.history[-1] if self.handover.history else None
        return {"band": self.band, "attached": self.attached, "leg": self.leg,
                "holding": self.hold_at, "position": list(self.position),
                "serving_cell": self.kpis.serving_cell if self.kpis else None,
                "handovers": len(self.handover.history),
                "last_handover": None if last is None else
                {"time": last.time_s, "from": last.source, "to": last.target}}


def _nan(value: float | None) -> float:
    return math.nan if value is None else value
