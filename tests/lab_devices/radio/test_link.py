"""The API the 5G device models call: UE KPIs at a point and gNB load from demand."""

import numpy as np
import pytest

from lab_devices.radio import RadioMap, UeDemand, coverage_map, network_snapshot, ue_kpis


def test_ue_kpis_at_a_grid_point_match_the_coverage_map(park):
    radio = RadioMap(park, seed=2)
    cmap = coverage_map(radio)
    for x, y in [(100, 150), (30, 60), (160, 30)]:
        j, i = int(y / 5), int(x / 5)
        k = ue_kpis(radio, (x, y))
        assert k.serving_cell == cmap.cell_names[cmap.best_server[j, i]]
        assert k.rsrp_dbm == pytest.approx(cmap.rsrp_dbm[j, i], abs=1e-3)
        # the map works in float32: agree to 1e-4 relative
        assert k.sinr_db == pytest.approx(cmap.sinr_db[j, i], rel=1e-4, abs=1e-3)
        assert k.rsrq_db == pytest.approx(cmap.rsrq_db[j, i], rel=1e-4, abs=1e-3)
        assert k.cqi == cmap.cqi[j, i]


def test_kpis_change_smoothly_along_a_route(park):
    radio = RadioMap(park, seed=2)
    route = [ue_kpis(radio, (60 + 0.5 * s, 150)).rsrp_dbm for s in range(100)]
    steps = np.abs(np.diff(route))
    assert steps.max() < 3.0  # 0.5 m steps: no jumps beyond what 5 m of fading allows


def test_ue_in_a_hall_reports_its_zone(park):
    assert ue_kpis(RadioMap(park, seed=2), (100, 150)).zone == "hall"


def test_outage_of_the_hall_cell_leaves_its_hall_without_service(park):
    # two 30 dBm street cells cannot reach through a high-loss wall (26.8 dB + 12.5 dB)
    radio = RadioMap(park, seed=2)
    left = [c for c in park.cells if c.name != "hall"]
    assert ue_kpis(radio, (100, 150)).serving_cell == "hall"
    assert not ue_kpis(radio, (100, 150), left).in_service


def test_outage_of_the_serving_cell_hands_the_ue_to_another(park):
    radio = RadioMap(park, seed=2)
    first = ue_kpis(radio, (40, 60))
    left = [c for c in park.cells if c.name != first.serving_cell]
    after = ue_kpis(radio, (40, 60), left)
    assert after.serving_cell not in (None, first.serving_cell)
    assert after.rsrp_dbm < first.rsrp_dbm


def test_wrong_band_leaves_the_ue_without_service(park):
    k = ue_kpis(RadioMap(park, seed=2), (100, 150), ue_band_ghz=28.0)
    assert not k.in_service
    assert k.as_dict()["rsrp_dbm"] is None and k.as_dict()["latency_ms"] is None
    assert k.throughput_mbps == 0.0


def test_external_interference_lowers_sinr(park):
    radio = RadioMap(park, seed=2)
    clean = ue_kpis(radio, (100, 150))
    jammed = ue_kpis(radio, (100, 150), extra_noise_dbm_per_re=clean.rsrp_dbm)
    assert jammed.sinr_db < min(clean.sinr_db, 0.0) + 0.01
    assert jammed.cqi <= clean.cqi
    assert jammed.rsrq_db < clean.rsrq_db


def test_measurement_jitter_is_reproducible_from_the_rng(park):
    radio = RadioMap(park, seed=2)
    a = ue_kpis(radio, (100, 150), rng=np.random.default_rng(4))
    b = ue_kpis(radio, (100, 150), rng=np.random.default_rng(4))
    plain = ue_kpis(radio, (100, 150))
    assert a == b and a.rsrp_dbm != plain.rsrp_dbm


def test_light_demand_uses_the_matching_share_of_prbs(park):
    radio = RadioMap(park, seed=2)
    ues = [UeDemand("agv-1", 90, 150, 5.0), UeDemand("agv-2", 110, 150, 5.0)]
    kpis, cells = network_snapshot(radio, ues)
    hall = cells["hall"]
    assert hall.connected_ues == 2 and hall.demand_mbps == 10.0
    assert hall.throughput_mbps == pytest.approx(10.0)
    assert 0.0 < hall.prb_utilisation < 1.0
    assert hall.prbs_used == round(hall.prb_utilisation * 273)
    assert cells["west"].connected_ues == 0 and cells["west"].prb_utilisation == 0.0
    assert kpis["agv-1"].throughput_mbps == pytest.approx(5.0)


def test_heavy_demand_fills_the_cell_and_shares_it(park):
    radio = RadioMap(park, seed=2)
    ues = [UeDemand(f"cam-{i}", 80 + 10 * i, 150, 5000.0) for i in range(3)]
    kpis, cells = network_snapshot(radio, ues)
    assert cells["hall"].prb_utilisation == 1.0
    assert cells["hall"].throughput_mbps < cells["hall"].demand_mbps
    assert all(k.latency_ms > ue_kpis(radio, (100, 150), activity=0.0).latency_ms
               for k in kpis.values())  # fmt: skip


def test_negative_demand_is_refused(park):
    with pytest.raises(ValueError, match="UE 'x': demand_mbps must be ≥ 0"):
        network_snapshot(RadioMap(park, seed=2), [UeDemand("x", 100, 150, -1.0)])


def test_activity_outside_zero_to_one_is_refused(park):
    with pytest.raises(ValueError, match="activity of cell"):
        ue_kpis(RadioMap(park, seed=2), (100, 150), activity=2.0)


def test_rsrq_stays_under_the_one_twelfth_ceiling_in_a_quiet_network(park):
    # TS 38.215 §5.1.3: the serving SSB fills the measured symbols, so RSRQ ≤ 1/12 = -10.79 dB
    kpis, _ = network_snapshot(RadioMap(park, seed=2), [UeDemand("agv", 100, 150, 1.0)])
    assert kpis["agv"].rsrq_db == pytest.approx(10 * np.log10(1 / 12), abs=0.05)
    assert kpis["agv"].rsrq_db <= 10 * np.log10(1 / 12) + 1e-9
