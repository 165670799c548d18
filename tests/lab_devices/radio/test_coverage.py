"""RSRP grids and coverage maps on the small test park."""

import numpy as np
import pytest

from lab_devices.radio import (
    LayoutError,
    RadioMap,
    bundled_layout,
    coverage_map,
    nr,
    pathloss,
    plot_coverage,
)
from lab_devices.radio.kpi import epre_dbm, noise_per_re_dbm
from lab_devices.radio.penetration import wall_loss_db

from .conftest import small_park


def _at(grid, x, y):
    return int(round((y - grid.y0) / grid.spacing_m)), int(round((x - grid.x0) / grid.spacing_m))


def test_rsrp_of_a_lone_omni_cell_is_epre_plus_gain_minus_median_path_loss(lone_cell):
    radio = RadioMap(small_park(), spacing_m=5.0, shadowing=False)
    j, i = _at(
        radio.grid, 100, 0
    )  # 60 m south: UMi P_LOS(60) = 0.3 + e^(-60/36)·0.7 = 0.432 → NLOS
    expected = epre_dbm(30.0, 273) + 3.0 - pathloss("UMi", d2d_m=60, fc_ghz=3.5, los=False)
    assert radio.rsrp_grid(lone_cell)[j, i] == pytest.approx(expected, abs=1e-3)


def test_indoor_point_pays_the_wall_and_the_indoor_distance(lone_cell):
    radio = RadioMap(small_park(), spacing_m=5.0, shadowing=False)
    j, i = _at(radio.grid, 100, 150)  # hall centre: 30 m behind the wall, capped at 25 m
    outdoor = pathloss("UMi", d2d_m=90, fc_ghz=3.5, los=False)
    expected = epre_dbm(30.0, 273) + 3.0 - outdoor - wall_loss_db("high-loss", 3.5) - 0.5 * 25
    assert radio.rsrp_grid(lone_cell)[j, i] == pytest.approx(expected, abs=1e-3)


def test_sinr_of_a_lone_cell_is_its_snr(lone_cell):
    radio = RadioMap(small_park(), spacing_m=5.0, shadowing=False)
    cmap = coverage_map(radio, [lone_cell])
    snr = cmap.rsrp_dbm - noise_per_re_dbm(30, 9.0)
    assert np.allclose(cmap.sinr_db, snr, atol=1e-3)
    assert np.all(cmap.best_server == 0)


def test_two_equal_cells_meet_at_zero_db_on_their_bisector(park):
    radio = RadioMap(park, spacing_m=5.0, shadowing=False)
    cells = [c for c in park.cells if c.name in ("west", "east")]
    cmap = coverage_map(radio, cells)
    j, i = _at(radio.grid, 100, 60)
    s_mw = 10 ** (cmap.rsrp_dbm[j, i] / 10)
    n_mw = 10 ** (noise_per_re_dbm(30, 9.0) / 10)
    # SINR = S / (S + N): 0 dB less the noise's share; RSRQ = S / (12·(2S + N)) ≈ 1/24
    assert cmap.sinr_db[j, i] == pytest.approx(10 * np.log10(s_mw / (s_mw + n_mw)), abs=1e-3)
    assert cmap.rsrq_db[j, i] == pytest.approx(10 * np.log10(s_mw / (12 * (2 * s_mw + n_mw))), 1e-4)


def test_half_loaded_neighbour_gives_3_db_more_sinr(park):
    radio = RadioMap(park, spacing_m=5.0, shadowing=False)
    cells = [c for c in park.cells if c.name in ("west", "east")]
    cmap = coverage_map(radio, cells, activity={"east": 0.5})
    j, i = _at(radio.grid, 100, 60)
    s_mw = 10 ** (cmap.rsrp_dbm[j, i] / 10)
    n_mw = 10 ** (noise_per_re_dbm(30, 9.0) / 10)
    # S / (0.5·S + N): about 3 dB, less the noise's share
    assert cmap.sinr_db[j, i] == pytest.approx(10 * np.log10(s_mw / (0.5 * s_mw + n_mw)), abs=1e-3)


def test_hall_cell_serves_its_hall(park):
    cmap = coverage_map(RadioMap(park, seed=3))
    j, i = _at(cmap.grid, 100, 150)
    assert cmap.cell_names[cmap.best_server[j, i]] == "hall"


def test_throughput_follows_cqi_and_rank(park):
    cmap = coverage_map(RadioMap(park, seed=3))
    # 100 MHz, 30 kHz: Mbps per bit/RE = 273·12·28000·0.86·1e-6 = 78.886
    top = (cmap.cqi == 15) & (cmap.sinr_db >= 10)
    assert top.any()
    assert np.allclose(cmap.throughput_mbps[top], 5.5547 * 2 * 78.886, rtol=1e-4)


def test_coverage_share_moves_with_the_thresholds(park):
    cmap = coverage_map(RadioMap(park, seed=3))
    assert cmap.coverage_share(rsrp_min_dbm=-300, sinr_min_db=-100) == 1.0
    assert cmap.coverage_share(rsrp_min_dbm=0, sinr_min_db=0) == 0.0
    assert cmap.coverage_share(rsrp_min_dbm=-90) <= cmap.coverage_share(rsrp_min_dbm=-110)


def test_grids_are_reproducible_from_the_seed(park):
    first = RadioMap(park, seed=11).rsrp_stack(park.cells)
    again = RadioMap(park, seed=11).rsrp_stack(park.cells)
    other = RadioMap(park, seed=12).rsrp_stack(park.cells)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_changing_one_cell_leaves_the_others_fading_alone(park):
    west, east, _ = park.cells
    radio = RadioMap(park, seed=5)
    before = radio.rsrp_grid(east).copy()
    tilted = west.with_changes(azimuth_deg=90.0, tilt_deg=20.0)
    assert not np.array_equal(radio.rsrp_grid(tilted), radio.rsrp_grid(west))
    alone = RadioMap(park, seed=5)  # a map that never saw west
    assert np.array_equal(alone.rsrp_grid(east), before)


def test_an_external_interferer_shrinks_coverage(park):
    radio = RadioMap(park, seed=3)
    clean = coverage_map(radio)
    jammed = coverage_map(radio, extra_noise_dbm_per_re=-100.0)
    assert np.all(jammed.sinr_db <= clean.sinr_db + 1e-4)
    assert jammed.coverage_share() < clean.coverage_share()


def test_coverage_map_refuses_bad_activity_and_no_cells(park):
    radio = RadioMap(park, seed=1)
    with pytest.raises(ValueError, match="activity of cell 'east'"):
        coverage_map(radio, activity={"east": 1.5})
    with pytest.raises(ValueError, match="at least one cell"):
        coverage_map(radio, [])


def test_grid_spacing_must_be_positive(park):
    with pytest.raises(ValueError, match="spacing_m"):
        RadioMap(park, spacing_m=0)


def test_plot_writes_a_png(park, tmp_path):
    cmap = coverage_map(RadioMap(park, seed=1))
    path = plot_coverage(cmap, park, park.cells, tmp_path / "map.png",
                         kinds=("rsrp", "sinr", "throughput", "best_server"))  # fmt: skip
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_refuses_an_unknown_panel(park, tmp_path):
    cmap = coverage_map(RadioMap(park, seed=1))
    with pytest.raises(ValueError, match="kinds must be some of"):
        plot_coverage(cmap, park, park.cells, tmp_path / "x.png", kinds=("noise",))


def test_cells_on_another_carrier_do_not_interfere(park):
    radio = RadioMap(park, spacing_m=5.0, shadowing=False)
    west, east, _ = park.cells
    mmwave = east.with_changes(fc_ghz=28.0, scs_khz=120, bandwidth_mhz=400)
    cmap = coverage_map(radio, [west, mmwave])
    j, i = _at(radio.grid, 30, 60)  # next to west, far from the 28 GHz cell
    assert cmap.cell_names[cmap.best_server[j, i]] == "west"
    assert cmap.sinr_db[j, i] == pytest.approx(
        cmap.rsrp_dbm[j, i] - noise_per_re_dbm(30, 9.0), abs=1e-3
    )


def test_cell_outside_its_model_is_named(park):
    radio = RadioMap(park, seed=1)
    too_high = park.cells[2].with_changes(height_m=30.0)  # InF allows up to 25 m
    with pytest.raises(LayoutError, match=r"cell 'hall' \(InF-SH\): needs .* height_m ≤ 25 m"):
        radio.rsrp_grid(too_high)


def test_cell_below_the_clutter_of_a_high_bs_hall_is_named(park):
    radio = RadioMap(park, seed=1)
    low = park.cells[2].with_changes(height_m=1.8)  # InF-SH needs h_BS above h_c = 2 m
    with pytest.raises(LayoutError, match=r"cell 'hall': InF-SH LOS probability needs"):
        radio.rsrp_grid(low)


def test_cell_in_a_zone_the_park_lacks_is_named(park):
    stray = park.cells[2].with_changes(zone="attic")
    with pytest.raises(LayoutError, match=r"cell 'hall': zone 'attic' is not in 'test park'"):
        RadioMap(park, seed=1).rsrp_grid(stray)


def test_shipped_plan_stays_below_the_2027_target_it_teaches():
    # site/radio.md: the 20-cell plan covers about half the park, short of Plan 478's 70 %
    share = coverage_map(RadioMap(bundled_layout(), seed=478)).coverage_share()
    assert 0.3 < share < 0.7


def test_coverage_share_of_one_hall(park):
    radio = RadioMap(park, seed=3)
    with_cell = coverage_map(radio).coverage_share(zone="hall")
    without = coverage_map(radio, park.cells[:2]).coverage_share(zone="hall")
    assert with_cell > 0.9 and without < 0.1  # the hall lives on its own small cell


def test_unknown_zone_is_named(park):
    cmap = coverage_map(RadioMap(park, seed=3))
    with pytest.raises(ValueError, match=r"unknown zone 'attic': expected one of \['hall'\]"):
        cmap.coverage_share(zone="attic")


def test_throughput_over_a_dddsu_carrier_at_the_bler_target(park):
    # the same points, counted over DDDSU's 52/70 downlink symbols, less 10 % BLER:
    # 5.5547 · 2 · 78.886 · 52/70 · 0.9 = 585.9 Mbit/s
    radio = RadioMap(park, seed=3)
    peak = coverage_map(radio)
    real = coverage_map(radio, tdd=nr.DEFAULT_TDD, bler=nr.INITIAL_BLER)
    top = (peak.cqi == 15) & (peak.sinr_db >= 10)
    assert np.allclose(real.throughput_mbps[top], 5.5547 * 2 * 78.886 * 52 / 70 * 0.9, rtol=1e-4)
