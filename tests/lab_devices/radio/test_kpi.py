"""The KPI chain on worked examples; each test names its source."""

import math

import numpy as np
import pytest

from lab_devices.radio import kpi


def test_epre_spreads_46_dbm_over_273_prbs():
    # TS 38.101-1 Table 5.3.2-1: 100 MHz at 30 kHz is 273 PRB = 3276 subcarriers.
    # 46 dBm - 10·log10(3276) = 46 - 35.1534 = 10.8466 dBm per RE
    assert kpi.epre_dbm(46.0, 273) == pytest.approx(10.8466, abs=1e-4)


def test_rsrp_is_epre_plus_gains_minus_path_loss():
    # TS 38.215 §5.1.1: RSRP is the power of one reference-signal RE.
    # 10.8466 dBm + 8 dBi (Table 7.3-1 element gain) - 120 dB = -101.1534 dBm
    assert kpi.rsrp_dbm(46.0, 273, 120.0, gains_db=8.0) == pytest.approx(-101.1534, abs=1e-4)


def test_noise_per_re_at_30_khz_with_7_db_noise_figure():
    # -174 dBm/Hz + 10·log10(30e3) + 7 dB = -174 + 44.7712 + 7 = -122.2288 dBm
    assert kpi.noise_per_re_dbm(30, 7.0) == pytest.approx(-122.2288, abs=1e-4)


def test_rsrq_of_a_lone_fully_loaded_cell_is_minus_10_8_db():
    # TS 38.215 §5.1.3: RSRQ = N·RSRP/RSSI, and a full cell puts power in all 12·N REs,
    # so RSRQ = 1/12 = -10.792 dB when noise is negligible (RSRP -60 dBm, noise -122 dBm).
    rssi = kpi.rssi_dbm(-60.0, [], n_rb=273, scs_khz=30, noise_figure_db=7.0)
    assert kpi.rsrq_db(-60.0, rssi, 273) == pytest.approx(10 * math.log10(1 / 12), abs=1e-3)


def test_rsrq_falls_by_3_db_with_an_equal_fully_loaded_neighbour():
    # one equal interferer doubles the RSSI: -10.792 - 3.0103 = -13.802 dB
    rssi = kpi.rssi_dbm(-60.0, [[-60.0]], n_rb=51, scs_khz=30, noise_figure_db=7.0)
    assert kpi.rsrq_db(-60.0, rssi, 51)[0] == pytest.approx(-13.802, abs=1e-3)


def test_sinr_with_one_equal_interferer_and_negligible_noise_is_zero_db():
    got = kpi.sinr_db(-70.0, [[-70.0]], scs_khz=30, noise_figure_db=7.0)
    assert got[0] == pytest.approx(0.0, abs=1e-3)


def test_sinr_counts_interferer_activity():
    # two interferers 3 dB above the signal at 25 % activity: 2·0.25·10^0.3 = 0.9976 → 0.0104 dB
    got = kpi.sinr_db(
        -70.0, [[-67.0], [-67.0]], scs_khz=30, noise_figure_db=7.0, interferer_activity=0.25
    )
    assert got[0] == pytest.approx(0.0104, abs=2e-3)


def test_sinr_is_snr_without_interferers():
    # -100 dBm - (-122.2288 dBm) = 22.2288 dB
    assert kpi.sinr_db(-100.0, [], scs_khz=30, noise_figure_db=7.0) == pytest.approx(22.2288, 1e-4)


def test_cqi_thresholds_invert_the_attenuated_shannon_bound():
    # TR 36.942 Annex A.2, α = 0.6. CQI 4 (QPSK 308/1024, eff 0.6016, TS 38.214 Table 5.2.2.1-2):
    # 2^(0.6016/0.6) - 1 = 2^1.002667 - 1 = 1.003702 → 0.0161 dB
    assert kpi.CQI_SINR_THRESHOLDS_DB[3] == pytest.approx(0.0161, abs=1e-3)
    # CQI 15 (eff 5.5547): 2^9.25783 - 1 = 611.0 → 27.86 dB
    assert kpi.CQI_SINR_THRESHOLDS_DB[14] == pytest.approx(27.86, abs=0.01)


@pytest.mark.parametrize(
    ("sinr", "cqi"), [(-20.0, 0), (-7.0, 1), (0.0, 3), (0.05, 4), (10.0, 8), (27.9, 15), (40, 15)]
)
def test_cqi_from_sinr_picks_the_highest_cqi_the_bound_allows(sinr, cqi):
    # thresholds 10·log10(2^(eff/0.6) - 1): CQI 1 (eff 0.1523) -7.159 dB, CQI 8 (1.9141)
    # 9.099 dB, CQI 9 (2.4063) 11.795 dB, CQI 15 (5.5547) 27.862 dB
    assert int(kpi.cqi_from_sinr(sinr)) == cqi


def test_spectral_efficiency_reads_the_cqi_table_times_layers():
    # TS 38.214 Table 5.2.2.1-2: CQI 7 is 16QAM 378/1024, efficiency 1.4766; 2 layers
    assert kpi.spectral_efficiency(7, layers=2) == pytest.approx(2.9532)
    assert kpi.spectral_efficiency(0) == 0.0


def test_throughput_at_cqi_15_on_100_mhz_one_layer():
    # TS 38.306 §4.1.2 with eff for Q_m·f·R_max: 1e-6 · 5.5547 · 273·12 · (14·2·1000) · (1 - 0.14)
    # = 1e-6 · 5.5547 · 3276 · 28000 · 0.86 = 438.19 Mbps
    got = kpi.throughput_mbps(15, n_rb=273, scs_khz=30, band="FR1")
    assert got == pytest.approx(5.5547 * 3276 * 28000 * 0.86 * 1e-6)
    assert got == pytest.approx(438.19, abs=0.01)


def test_throughput_scales_with_prb_share_and_tdd_downlink_share():
    full = kpi.throughput_mbps(10, n_rb=51, scs_khz=30, band="FR1")
    part = kpi.throughput_mbps(
        10, n_rb=51, scs_khz=30, band="FR1", prb_share=0.5, tdd_downlink_share=0.75
    )
    assert part == pytest.approx(full * 0.375)


def test_latency_of_an_idle_30_khz_cell():
    # slot = 0.5 ms; air = 1 + 0.5 + 1 + 1 = 3.5 slots, HARQ 0.1/0.9 · 8 = 0.8889 slots
    # (3.5 + 0.8889) · 0.5 ms + 1 ms core = 3.1944 ms
    assert kpi.latency_ms(scs_khz=30) == pytest.approx(3.1944, abs=1e-4)


def test_latency_adds_queueing_as_the_cell_fills():
    # ρ = 0.5 adds 0.5/0.5 = 1 slot = 0.5 ms: 3.1944 + 0.5 = 3.6944 ms
    # ρ = 1 is capped at 0.95: 0.95/0.05 = 19 slots = 9.5 ms: 3.1944 + 9.5 = 12.6944 ms
    got = kpi.latency_ms(scs_khz=30, prb_load=np.array([0.5, 1.0]))
    assert got == pytest.approx([3.6944, 12.6944], abs=1e-4)


def test_latency_refuses_a_load_outside_zero_to_one():
    with pytest.raises(ValueError, match="prb_load"):
        kpi.latency_ms(scs_khz=30, prb_load=1.5)


def test_latency_refuses_a_bler_of_one():
    with pytest.raises(ValueError, match="bler"):
        kpi.latency_ms(scs_khz=30, bler=1.0)


def test_epre_refuses_zero_resource_blocks():
    with pytest.raises(ValueError, match="n_rb"):
        kpi.epre_dbm(46.0, 0)


@pytest.mark.parametrize(
    ("rsrp", "label"), [(-70.0, "excellent"), (-80.0, "excellent"), (-85.0, "good"),
                        (-99.9, "fair"), (-100.1, "poor"), (float("nan"), "none")],
)  # fmt: skip
def test_rsrp_bands_label_a_drive_test_reading(rsrp, label):
    assert kpi.classify(rsrp, kpi.RSRP_BANDS_DBM) == label


def test_sinr_bands_label_a_drive_test_reading():
    labels = [kpi.classify(v, kpi.SINR_BANDS_DB) for v in (25.0, 15.0, 5.0, -3.0)]
    assert labels == ["excellent", "good", "fair", "poor"]
