"""5QI characteristics, S-NSSAI, and a congested cell's priority scheduler, by hand."""

from __future__ import annotations

import pytest

from lab_devices.radio.qos import QosFlow, Snssai, five_qi, schedule

EMBB, URLLC, MIOT = Snssai(1), Snssai(2, 0x0000A1), Snssai(3)


@pytest.mark.parametrize(("value", "kind", "priority", "pdb_ms", "per"), [
    (1, "GBR", 20, 100, 1e-2), (2, "GBR", 40, 150, 1e-3), (5, "Non-GBR", 10, 100, 1e-6),
    (6, "Non-GBR", 60, 300, 1e-6), (7, "Non-GBR", 70, 100, 1e-3), (8, "Non-GBR", 80, 300, 1e-6),
    (9, "Non-GBR", 90, 300, 1e-6), (82, "Delay-critical GBR", 19, 10, 1e-4),
    (83, "Delay-critical GBR", 22, 10, 1e-4), (84, "Delay-critical GBR", 24, 30, 1e-5),
    (85, "Delay-critical GBR", 21, 5, 1e-5),
])
def test_five_qi_rows_of_ts_23_501_table_5_7_4_1(value, kind, priority, pdb_ms, per):
    q = five_qi(value)
    assert (q.resource_type, q.priority_level, q.packet_delay_budget_ms) == (kind, priority, pdb_ms)
    assert q.packet_error_rate == pytest.approx(per)


def test_delay_critical_flows_carry_a_burst_volume():
    assert five_qi(82).max_data_burst_bytes == 255 and five_qi(83).max_data_burst_bytes == 1354
    assert five_qi(9).max_data_burst_bytes is None


def test_slices_name_their_service():
    assert (EMBB.service, URLLC.service, MIOT.service) == ("eMBB", "URLLC", "MIoT")
    assert URLLC.text() == "2-0000A1" and EMBB.text() == "1"
    assert Snssai(128).service == "operator-specific"


def flows_of_a_feed_mill(extra_voice_gbr: float | None = None) -> list[QosFlow]:
    # every flow's UE would get 100 Mbit/s with all the PRBs (same link quality)
    flows = [
        QosFlow("agv-control", 82, URLLC, demand_mbps=10, full_rate_mbps=100),
        QosFlow("camera", 2, EMBB, demand_mbps=30, full_rate_mbps=100),
        QosFlow("ims", 5, EMBB, demand_mbps=1, full_rate_mbps=100),
        QosFlow("web", 9, EMBB, demand_mbps=60, full_rate_mbps=100),
        QosFlow("firmware", 8, MIOT, demand_mbps=60, full_rate_mbps=100),
    ]
    if extra_voice_gbr is not None:
        flows.append(QosFlow("intercom", 1, EMBB, demand_mbps=extra_voice_gbr,
                             full_rate_mbps=100))
    return flows


def test_a_congested_cell_keeps_the_gbr_flows_and_shares_the_rest():
    # demand 10 + 30 + 1 + 60 + 60 = 161 Mbit/s on a cell that carries 100.
    # GBR first: agv-control 10/100 = 0.10 of the PRBs, camera 30/100 = 0.30; left 0.60.
    # Non-GBR: 0.60 / 3 = 0.20 each; ims needs only 0.01, so 0.19 goes back and the two
    # others get 0.20 + 0.19/2 = 0.295 each, 29.5 Mbit/s. Sum 10 + 30 + 1 + 29.5 + 29.5 = 100.
    grants = {g.flow: g for g in schedule(flows_of_a_feed_mill())}
    assert grants["agv-control"].rate_mbps == pytest.approx(10) and grants["agv-control"].gbr_met
    assert grants["camera"].rate_mbps == pytest.approx(30) and grants["camera"].gbr_met
    assert grants["ims"].rate_mbps == pytest.approx(1) and grants["ims"].gbr_met is None
    assert grants["web"].rate_mbps == pytest.approx(29.5)
    assert grants["firmware"].rate_mbps == pytest.approx(29.5)
    assert sum(g.prb_share for g in grants.values()) == pytest.approx(1.0)


def test_too_much_gbr_starves_the_lowest_priority_guarantees_and_every_best_effort_flow():
    # an intercom (5QI 1, priority 20) of 70 Mbit/s joins. Order by priority level:
    # agv-control 19 takes 0.10, intercom 20 takes 0.70, camera 40 finds 0.20 of the 0.30
    # it needs: 20 of 30 Mbit/s, its guarantee broken; nothing is left for Non-GBR.
    grants = {g.flow: g for g in schedule(flows_of_a_feed_mill(extra_voice_gbr=70))}
    assert grants["intercom"].rate_mbps == pytest.approx(70) and grants["intercom"].gbr_met
    assert grants["camera"].rate_mbps == pytest.approx(20) and grants["camera"].gbr_met is False
    assert all(grants[n].rate_mbps == 0 for n in ("ims", "web", "firmware"))


def test_a_link_twice_as_good_needs_half_the_prbs():
    # camera's UE at 200 Mbit/s full rate: 30/200 = 0.15 of the PRBs
    flows = [QosFlow("camera", 2, EMBB, demand_mbps=30, full_rate_mbps=200),
             QosFlow("web", 9, EMBB, demand_mbps=500, full_rate_mbps=100)]
    grants = {g.flow: g for g in schedule(flows)}
    assert grants["camera"].prb_share == pytest.approx(0.15)
    assert grants["web"].rate_mbps == pytest.approx(85)  # (1 - 0.15) · 100


@pytest.mark.parametrize(("call", "error"), [
    (lambda: five_qi(10), r"five_qi: 10 is not a standardized 5QI \(TS 23.501 Table 5.7.4-1\)"),
    (lambda: QosFlow("x", 42, EMBB, 1, 10), "five_qi: 42 is not a standardized 5QI"),
    (lambda: Snssai(256), "sst: 256 is not a Slice/Service Type 0-255"),
    (lambda: Snssai(1, 0xFFFFFF), "sd: 16777215 is not a Slice Differentiator"),
    (lambda: QosFlow("web", 9, EMBB, 10, 100, gfbr_mbps=5), "gfbr_mbps is for GBR flows"),
    (lambda: QosFlow("cam", 2, EMBB, 10, 100, gfbr_mbps=20), "gfbr_mbps must be in 0-demand"),
    (lambda: schedule([], prb_budget=1.5), r"prb_budget: must be in \[0, 1\]"),
])
def test_bad_qos_input_names_the_field(call, error):
    with pytest.raises(ValueError, match=error):
        call()
