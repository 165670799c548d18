"""TS 38.214 MCS and CQI tables, CQI -> MCS, and the link rate over a TDD pattern at 10 % BLER."""

from __future__ import annotations

import pytest

from lab_devices.radio import nr

# 100 MHz at 30 kHz: N_PRB = 273 (TS 38.101-1 Table 5.3.2-1); 12·273 = 3276 subcarriers;
# 14·2^1·1000 = 28 000 symbols/s, so 3276 · 28 000 = 91 728 000 RE/s per layer
RE_PER_S_100MHZ = 91_728_000


@pytest.mark.parametrize(("table", "index", "qm", "rate"), [
    ("qam64", 0, 2, 120), ("qam64", 10, 4, 340), ("qam64", 17, 6, 438), ("qam64", 28, 6, 948),
    ("qam256", 5, 4, 378), ("qam256", 20, 8, 682.5), ("qam256", 26, 8, 916.5),
    ("qam256", 27, 8, 948),
])
def test_mcs_rows_of_ts_38_214_tables_5_1_3_1_1_and_2(table, index, qm, rate):
    row = nr.mcs(index, table)
    assert (row.bits_per_symbol, row.code_rate_x1024) == (qm, rate)


def test_the_cqi_table_data_matches_the_constant_the_kpi_chain_reads():
    # Table 5.2.2.1-2 prints efficiency = Qm · R/1024 rounded to 4 decimals
    for entry, row in zip(nr.CQI_TABLE[1:], nr.cqi_table("qam64"), strict=True):
        assert (entry.bits_per_symbol, entry.code_rate_x1024) == (row.bits_per_symbol,
                                                                   row.code_rate_x1024)
        assert round(row.efficiency, 4) == pytest.approx(entry.efficiency, abs=1e-4)


def test_cqi_table_2_tops_at_256qam_948():
    # Table 5.2.2.1-3, CQI 15: 256QAM, 948/1024, efficiency 8 · 948/1024 = 7.40625
    assert nr.cqi_table("qam256")[14].efficiency == pytest.approx(7.4063, abs=1e-4)
    assert nr.cqi_table("qam256")[11].bits_per_symbol == 8  # CQI 12 is the first 256QAM


@pytest.mark.parametrize(("cqi", "table", "expected"), [
    (15, "qam64", 28),  # 6·948/1024 = 5.5547: MCS 28 is 6, 948
    (10, "qam64", 18),  # 6·466/1024 = 2.7305: MCS 18 is 6, 466
    (7, "qam64", 11),  # 4·378/1024 = 1.4766: MCS 11 is 4, 378
    (4, "qam64", 4),  # 2·308/1024 = 0.6016: MCS 4 is 2, 308
    (1, "qam64", 0),  # 0.1523 is below MCS 0 (0.2344): MCS 0 is the floor
    (12, "qam256", 21),  # 8·711/1024 = 5.5547: MCS 21 of table 2 is 8, 711
    (15, "qam256", 27),  # 8·948/1024 = 7.4063: MCS 27 is 8, 948
])
def test_cqi_schedules_the_mcs_just_below_its_efficiency(cqi, table, expected):
    assert nr.mcs_for_cqi(cqi, table).index == expected
    assert nr.mcs_for_cqi(0, table) is None


@pytest.mark.parametrize(("pattern", "dl", "ul"), [
    (nr.TddPattern("DDDSU", 10, 2), 52 / 70, 16 / 70),  # (3·14 + 10)/70, (14 + 2)/70
    (nr.TddPattern("DSUUU", 10, 2), 24 / 70, 44 / 70),  # (14 + 10)/70, (3·14 + 2)/70
    (nr.TddPattern("DDDDDDDSUU", 6, 4), 104 / 140, 32 / 140),  # (7·14 + 6)/140, (2·14 + 4)/140
    (nr.FDD, 1.0, 1.0),
])
def test_tdd_shares_count_the_special_slots_symbols(pattern, dl, ul):
    assert pattern.share(downlink=True) == pytest.approx(dl)
    assert pattern.share(downlink=False) == pytest.approx(ul)


# rate = 1e-6 · eff · v · RE/s · (1 - OH) · share · (1 - BLER), worked out in each comment
@pytest.mark.parametrize(("case", "kwargs", "mbps"), [
    # CQI 15 -> MCS 28 (6·948/1024 = 5.5546875), 2 layers, 100 MHz, DDDSU, BLER 0.1:
    # 5.5546875 · 2 · 91 728 000 = 1 019 040 750; · 0.86 = 876 375 045;
    # · 52/70 = 651 021 462; · 0.9 = 585 919 316 -> 585.92 Mbit/s
    ("dl-cqi15-2x2", dict(efficiency=948 * 6 / 1024, layers=2, n_prb=273, scs_khz=30,
                          band="FR1"), 585.92),
    # the same carrier counted as FDD with no BLER: 876 375 045 -> 876.38 (the old figure)
    ("dl-fdd-no-bler", dict(efficiency=948 * 6 / 1024, layers=2, n_prb=273, scs_khz=30,
                            band="FR1", tdd=None, bler=0.0), 876.38),
    # CQI 9 -> MCS 15 (4·616/1024 = 2.40625), 1 layer, 40 MHz (106 PRB): 12·106·28 000 =
    # 35 616 000 RE/s; · 2.40625 = 85 701 000; · 0.86 = 73 702 860; · 52/70 = 54 750 696;
    # · 0.9 = 49 275 626 -> 49.28 Mbit/s
    ("dl-cqi9-40mhz", dict(efficiency=616 * 4 / 1024, layers=1, n_prb=106, scs_khz=30,
                           band="FR1"), 49.28),
    # 256QAM: CQI 15 of table 2 -> MCS 27 (8·948/1024 = 7.40625), 2 layers:
    # 7.40625 · 2 · 91 728 000 = 1 358 721 000; · 0.86 = 1 168 500 060;
    # · 52/70 = 868 028 616; · 0.9 = 781 225 754 -> 781.23 Mbit/s
    ("dl-256qam", dict(efficiency=948 * 8 / 1024, layers=2, n_prb=273, scs_khz=30,
                       band="FR1"), 781.23),
    # uplink, 1 layer at MCS 28: 5.5546875 · 91 728 000 = 509 520 375; · (1 - 0.08) =
    # 468 758 745; · 16/70 = 107 144 856; · 0.9 = 96 430 370 -> 96.43 Mbit/s
    ("ul-cqi15", dict(efficiency=948 * 6 / 1024, layers=1, n_prb=273, scs_khz=30,
                      band="FR1", downlink=False), 96.43),
])
def test_link_rate_worked_by_hand(case, kwargs, mbps):
    assert nr.link_rate_mbps(**kwargs) == pytest.approx(mbps, abs=0.01), case


@pytest.mark.parametrize(("call", "error"), [
    (lambda: nr.mcs(29), "mcs: 29 is not an MCS index of table qam64 .0-28"),
    (lambda: nr.mcs(28, "qam256"), "mcs: 28 is not an MCS index of table qam256 .0-27"),
    (lambda: nr.mcs_for_cqi(16), "cqi: 16 is not a CQI index 0-15"),
    (lambda: nr.mcs_table("qam1024"), "table: 'qam1024' is not one of qam64, qam256"),
    (lambda: nr.TddPattern("DXU"), "tdd_pattern: 'DXU' must be a string of D, S and U"),
    (lambda: nr.TddPattern("DDDSU", 12, 4), "special slot 12 DL . 4 UL symbols do not fit"),
    (lambda: nr.link_rate_mbps(1.0, layers=1, n_prb=273, scs_khz=30, band="FR1", bler=1.0),
     r"bler: must be in \[0, 1\)"),
])
def test_bad_table_input_names_the_field(call, error):
    with pytest.raises(ValueError, match=error):
        call()
