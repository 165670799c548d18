"""NR carrier tables and the TS 38.306 peak-rate formula."""

import pytest

from lab_devices.radio import nr


@pytest.mark.parametrize(
    ("bw", "scs", "fc", "expected"),
    [
        (100, 30, 3.5, 273),
        (20, 15, 2.1, 106),
        (40, 30, 3.5, 106),
        (100, 60, 3.5, 135),
        (400, 120, 28.0, 264),
        (100, 120, 28.0, 66),
    ],
)
def test_n_prb_follows_ts_38_101_table_5_3_2_1(bw, scs, fc, expected):
    # TS 38.101-1 Table 5.3.2-1 (FR1) and TS 38.101-2 Table 5.3.2-1 (FR2)
    assert nr.n_prb(bw, scs, fc) == expected


def test_n_prb_names_the_allowed_bandwidths():
    with pytest.raises(ValueError, match=r"bandwidth_mhz=400 .*expected one of \[5, 10"):
        nr.n_prb(400, 30, 3.5)


def test_n_prb_refuses_an_scs_the_range_does_not_use():
    with pytest.raises(ValueError, match="scs_khz=15 is not used in FR2"):
        nr.n_prb(100, 15, 28.0)


def test_frequency_between_the_ranges_is_refused():
    with pytest.raises(ValueError, match="FR1 is 0.41-7.125 GHz"):
        nr.frequency_range(12.0)


def test_peak_rate_of_a_100_mhz_4_layer_256qam_fr1_carrier():
    # TS 38.306 §4.1.2: 1e-6 · 4 · 8 · 1 · 948/1024 · 273·12 / (1e-3/(14·2)) · (1 - 0.14)
    # = 1e-6 · 32 · 0.92578125 · 91 728 000 · 0.86 = 2337.00 Mbps
    got = nr.peak_rate_mbps(layers=4, bits_per_symbol=8, n_prb=273, scs_khz=30, band="FR1")
    assert got == pytest.approx(2337.00, abs=0.01)


def test_peak_rate_of_a_400_mhz_2_layer_64qam_fr2_carrier():
    # 1e-6 · 2 · 6 · 0.92578125 · 264·12 · (14·8·1000) · (1 - 0.18)
    # = 1e-6 · 12 · 0.92578125 · 354 816 000 · 0.82 = 3232.26 Mbps
    got = nr.peak_rate_mbps(layers=2, bits_per_symbol=6, n_prb=264, scs_khz=120, band="FR2")
    assert got == pytest.approx(3232.26, abs=0.01)


def test_cqi_table_rows_match_ts_38_214_table_5_2_2_1_2():
    row = nr.CQI_TABLE[10]
    assert (row.modulation, row.code_rate_x1024, row.efficiency) == ("64QAM", 466, 2.7305)
    # efficiency = Q_m · rate/1024 to four decimals: 6 · 466/1024 = 2.7305
    for entry in nr.CQI_TABLE[1:]:
        assert entry.bits_per_symbol * entry.code_rate_x1024 / 1024 == pytest.approx(
            entry.efficiency, abs=1e-4
        )


def test_numerology_refuses_unknown_spacing():
    with pytest.raises(ValueError, match="scs_khz"):
        nr.numerology(45)
