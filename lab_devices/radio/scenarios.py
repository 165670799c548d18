"""The constants of the 3GPP TR 38.901 V17.0.0 scenarios, in one table.

Each :class:`Scenario` gathers what the other radio modules need about one scenario:
default antenna heights, the validity ranges of its path-loss model (Table 7.4.1-1),
the shadow-fading standard deviations (Table 7.4.1-1), the shadow-fading decorrelation
distances (Table 7.5-6), the LOS-state correlation distance (Table 7.6.3.1-2) and, for
the indoor-factory (InF) scenarios, the clutter parameters (Table 7.2-4). InH-Office
(mixed office) is the indoor scenario of offices such as a park's administration block.

Where the table fixes a base-station height (UMa 25 m, UMi 10 m) we accept a band
around it so that a trainee can place a roof-top or lamp-post site; those bands are
marked as extensions below and in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEC = "3GPP TR 38.901 V17.0.0"
SPEED_OF_LIGHT_M_S = 3.0e8  # Table 7.4.1-1 note 1 uses c = 3.0e8 m/s
EFFECTIVE_ENV_HEIGHT_M = 1.0  # hE for the UMa/UMi breakpoint (deterministic, Note 1)
RMA_BUILDING_HEIGHT_M = 5.0  # h, Table 7.4.1-1 RMa default
RMA_STREET_WIDTH_M = 20.0  # W, Table 7.4.1-1 RMa default


@dataclass(frozen=True)
class Range:
    """A closed interval with the name of the quantity it bounds and its source."""

    low: float
    high: float
    unit: str
    source: str

    def text(self, name: str) -> str:
        return f"{self.low:g} {self.unit} ≤ {name} ≤ {self.high:g} {self.unit} ({self.source})"


@dataclass(frozen=True)
class InfClutter:
    """Clutter of an indoor factory hall (Table 7.2-4 evaluation defaults)."""

    density: float  # r, share of the floor covered by clutter
    size_m: float  # d_clutter
    height_m: float  # h_c, effective clutter height


@dataclass(frozen=True)
class Scenario:
    """Everything the radio models need to know about one TR 38.901 scenario."""

    name: str
    h_bs_m: float
    h_ut_m: float
    fc_ghz: Range
    d2d_m: Range | None  # validity on the 2D distance (outdoor scenarios)
    d3d_m: Range | None  # validity on the 3D distance (InF)
    h_bs_range: Range
    h_ut_range: Range
    sigma_sf_los_db: float
    sigma_sf_nlos_db: float
    sf_corr_los_m: float
    sf_corr_nlos_m: float
    los_corr_m: float
    clutter: InfClutter | None = None
    d2d_los_max_m: float | None = None  # RMa LOS reaches 10 km, its NLOS only 5 km

    @property
    def indoor(self) -> bool:
        """An indoor scenario: InF (with its hall clutter) or InH-Office."""
        return self.clutter is not None or self.name == "InH-Office"

    @property
    def distance_range(self) -> Range:
        """The validity range of the model's distance: d3D for InF, d2D outdoors."""
        rng = self.d3d_m if self.indoor else self.d2d_m
        assert rng is not None  # every scenario of the table sets one of the two
        return rng


_TABLE = "TR 38.901 V17.0.0 Table 7.4.1-1"
_FC_ALL = Range(0.5, 100.0, "GHz", f"{_TABLE}, 0.5-100 GHz")
_INF_D3D = Range(1.0, 600.0, "m", _TABLE)
_INF_H = Range(0.5, 25.0, "m", "InF hall ceiling height up to 25 m, Table 7.2-4")
_OUT_UT = Range(1.5, 22.5, "m", _TABLE)
_SPARSE = InfClutter(density=0.2, size_m=10.0, height_m=2.0)
_DENSE = InfClutter(density=0.6, size_m=2.0, height_m=6.0)


def _inf(name: str, h_bs: float, sigma_nlos: float, clutter: InfClutter) -> Scenario:
    return Scenario(
        name=name,
        h_bs_m=h_bs,
        h_ut_m=1.5,
        fc_ghz=_FC_ALL,
        d2d_m=None,
        d3d_m=_INF_D3D,
        h_bs_range=_INF_H,
        h_ut_range=_INF_H,
        sigma_sf_los_db=4.3,
        sigma_sf_nlos_db=sigma_nlos,
        sf_corr_los_m=10.0,
        sf_corr_nlos_m=10.0,
        los_corr_m=clutter.size_m / 2,
        clutter=clutter,
    )


SCENARIOS: dict[str, Scenario] = {
    "InF-SL": _inf("InF-SL", 1.5, 5.7, _SPARSE),
    "InF-DL": _inf("InF-DL", 1.5, 7.2, _DENSE),
    "InF-SH": _inf("InF-SH", 8.0, 5.9, _SPARSE),
    "InF-DH": _inf("InF-DH", 8.0, 4.0, _DENSE),
    # InH-Office (mixed office): Table 7.4.1-1 path loss, σ_SF 3 dB LOS and 8.03 dB NLOS,
    # 1 m ≤ d3D ≤ 150 m, h_BS 3 m and h_UT 1 m (Table 7.2-2's evaluation defaults); the
    # decorrelation distances of Table 7.5-6 (SF 10 m LOS, 6 m NLOS) and the LOS-state
    # correlation of Table 7.6.3.1-2 (10 m) are quoted as we know them, not re-checked.
    "InH-Office": Scenario(
        name="InH-Office",
        h_bs_m=3.0,
        h_ut_m=1.0,
        fc_ghz=_FC_ALL,
        d2d_m=None,
        d3d_m=Range(1.0, 150.0, "m", _TABLE),
        h_bs_range=Range(2.0, 6.0, "m", "table fixes 3 m; 2-6 m accepted for office ceilings"),
        h_ut_range=Range(1.0, 2.5, "m", "table fixes 1 m; 1-2.5 m accepted (hand-held, desk)"),
        sigma_sf_los_db=3.0,
        sigma_sf_nlos_db=8.03,
        sf_corr_los_m=10.0,
        sf_corr_nlos_m=6.0,
        los_corr_m=10.0,
    ),
    "UMi": Scenario(
        name="UMi",
        h_bs_m=10.0,
        h_ut_m=1.5,
        fc_ghz=_FC_ALL,
        d2d_m=Range(10.0, 5000.0, "m", _TABLE),
        d3d_m=None,
        h_bs_range=Range(3.0, 25.0, "m", "table fixes 10 m; 3-25 m accepted for small cells"),
        h_ut_range=_OUT_UT,
        sigma_sf_los_db=4.0,
        sigma_sf_nlos_db=7.82,
        sf_corr_los_m=10.0,
        sf_corr_nlos_m=13.0,
        los_corr_m=50.0,
    ),
    "UMa": Scenario(
        name="UMa",
        h_bs_m=25.0,
        h_ut_m=1.5,
        fc_ghz=_FC_ALL,
        d2d_m=Range(10.0, 5000.0, "m", _TABLE),
        d3d_m=None,
        h_bs_range=Range(10.0, 50.0, "m", "table fixes 25 m; 10-50 m accepted for macro sites"),
        h_ut_range=_OUT_UT,
        sigma_sf_los_db=4.0,
        sigma_sf_nlos_db=6.0,
        sf_corr_los_m=37.0,
        sf_corr_nlos_m=50.0,
        los_corr_m=50.0,
    ),
    "RMa": Scenario(
        name="RMa",
        h_bs_m=35.0,
        h_ut_m=1.5,
        fc_ghz=Range(0.5, 30.0, "GHz", f"{_TABLE}, RMa 0.5-30 GHz"),
        d2d_m=Range(10.0, 5000.0, "m", _TABLE),
        d3d_m=None,
        h_bs_range=Range(10.0, 150.0, "m", _TABLE),
        h_ut_range=Range(1.0, 10.0, "m", _TABLE),
        # 4 dB before the breakpoint, 6 dB after it: see shadow_sigma_db
        sigma_sf_los_db=4.0,
        sigma_sf_nlos_db=8.0,
        sf_corr_los_m=37.0,
        sf_corr_nlos_m=120.0,
        los_corr_m=60.0,
        d2d_los_max_m=10000.0,
    ),
}

SCENARIO_NAMES = tuple(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    """Return the scenario called `name`, or a ValueError that lists the known ones."""
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        known = ", ".join(SCENARIO_NAMES)
        raise ValueError(f"unknown scenario {name!r}: expected one of {known}") from None
