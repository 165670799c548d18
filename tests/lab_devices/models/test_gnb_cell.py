"""The 5G cell (gNB): load from its users, configuration commands as evidence, its faults."""

from __future__ import annotations

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.device.faults import Fault
from lab_devices.models.gnb_cell import GnbCell, arfcn_mhz, mhz_arfcn
from lab_devices.models.ue_modem import UeModem

N_RB_100_MHZ_30_KHZ = 273  # TS 38.101-1 Table 5.3.2-1


def gnb(monday: float, lab: str = "", **params) -> GnbCell:
    return GnbCell("gnb-1", {"seed": 5, **params}, trainee="t" if lab else "", lab=lab,
                   started_at=monday)


def test_load_figures_stay_within_their_ranges(monday, drive):
    for d in drive(gnb(monday, background_ues=10), monday, 1800, step=30):
        assert 0 <= d["prb_util"] <= 100 and 0 <= d["prbs_used"] <= N_RB_100_MHZ_30_KHZ
        assert 0 <= d["connected_ues"] <= 10 and 0 <= d["cqi"] <= 15
        assert 0 <= d["throughput"] <= d["demand"] + 1e-6
        assert d["cell"] == "FEED-2" and d["on_air"] is True and d["band"] == "n78"


def test_more_demand_takes_more_prbs(monday, drive):
    light = drive(gnb(monday, ue_demand_mbps=5), monday, 300, step=30)
    heavy = drive(gnb(monday, ue_demand_mbps=60), monday, 300, step=30)
    assert sum(d["prb_util"] for d in heavy) > 3 * sum(d["prb_util"] for d in light)
    # 6 users at 5 Mbit/s each fill a small share: the DDDSU pattern (52 of 70 symbols
    # downlink) and the 10 % BLER target leave 0.743 · 0.9 = 0.669 of the symbol rate, so
    # a PRB carries 1/0.669 = 1.5 times less than a full-time FDD carrier would
    assert max(d["prb_util"] for d in light) < 30


def test_the_lab_modem_counts_among_the_connected_users(monday, drive):
    cell = gnb(monday, lab="count", cell="FEED-1", background_ues=0)
    assert drive(cell, monday, 0)[0]["connected_ues"] == 0
    UeModem("ue", {"seed": 1}, trainee="t", lab="count", started_at=monday).tick(monday)
    assert drive(cell, monday + 1, 0)[0]["connected_ues"] == 1


def test_set_tilt_is_evidence_and_reaches_the_network(monday, send):
    cell = gnb(monday, cell="T1-A")
    assert cell.state()["matches_plan"] is True
    reply = send(cell, "set_tilt", degrees=14.0)
    assert reply == {"id": 1, "ok": True, "tilt_deg": 14.0, "planned_tilt_deg": 6.0}
    assert cell.network.cell("T1-A").tilt_deg == 14.0 and cell.state()["matches_plan"] is False
    change = next(e for e in cell.evidence if e.action == "setpoint_changed")
    assert change.detail == {"setpoint": "tilt_deg", "from": 6.0, "to": 14.0, "cell": "T1-A"}
    send(cell, "set_tilt", degrees=6.0)
    assert cell.state()["matches_plan"] is True and cell.network.faults_of("T1-A") == {}


def test_a_wrong_tilt_param_is_fixed_with_set_tilt(monday, send):
    cell = gnb(monday, cell="T1-A", tilt_deg=20)
    assert cell.network.cell("T1-A").tilt_deg == 20 and not cell.state()["matches_plan"]
    send(cell, "set_tilt", degrees=6)
    assert cell.state()["matches_plan"]


def test_a_wrong_power_lowers_what_the_modems_measure(monday, drive, send):
    cell = gnb(monday, lab="power", cell="FEED-1", tx_power_dbm=14)
    beside_the_cell = [[620, 700, 60], [630, 700, 60]]
    ue = UeModem("ue", {"seed": 2, "measurement_sigma_db": 0, "route": beside_the_cell},
                 trainee="t", lab="power", started_at=monday)
    weak = drive(ue, monday, 0)[0]
    assert send(cell, "set_power", dbm=24.0)["tx_power_dbm"] == 24.0
    strong = drive(ue, monday + 1, 0)[0]
    assert weak["serving_cell"] == strong["serving_cell"] == "FEED-1"
    assert strong["rsrp"] == pytest.approx(weak["rsrp"] + 10, abs=0.11)


def test_disable_takes_the_cell_off_the_air_and_enable_restores_it(monday, drive, send):
    cell = gnb(monday, lab="onoff")
    assert send(cell, "disable") == {"id": 1, "ok": True, "enabled": False, "changed": True}
    d = drive(cell, monday, 0)[0]
    assert d["on_air"] is False and d["prb_util"] == 0 and d["connected_ues"] == 0
    assert "FEED-2" in cell.network.off_air
    assert send(cell, "enable")["changed"] is True
    assert drive(cell, monday + 1, 0)[0]["on_air"] is True
    assert [e.action for e in cell.evidence if e.action.startswith("cell_")] == [
        "cell_disabled", "cell_enabled"]


def test_an_offline_fault_is_a_cell_outage(monday, drive):
    cell = GnbCell("gnb-1", {"seed": 5}, trainee="t", lab="outage", started_at=monday,
                   faults=[Fault("offline", at=60, duration=120)])
    drive(cell, monday, 0)
    assert "FEED-2" not in cell.network.off_air
    messages = cell.tick(monday + 90)
    assert [m.payload for m in messages if m.topic == "status"] == [b"offline"]
    assert "FEED-2" in cell.network.off_air
    cell.tick(monday + 200)
    assert "FEED-2" not in cell.network.off_air


def test_n77_and_n78_overlap_so_n77_on_the_plans_carrier_is_no_fault(monday, drive):
    # TS 38.101-1 Table 5.2-1: n77 3300-4200 MHz, n78 3300-3800 MHz. The plan's carrier is
    # 3750 MHz with 100 MHz (3700-3800 MHz, VNPT's C2 block): inside both bands.
    cell = gnb(monday, lab="n77", cell="FEED-1", band="n77")
    ue = UeModem("ue", {"seed": 2, "route": [[610, 700, 0], [620, 700, 0]]}, trainee="t",
                 lab="n77", started_at=monday)
    assert cell.on_air and cell.state()["setup_error"] is None
    assert drive(ue, monday, 0)[0]["serving_cell"] == "FEED-1"


def test_a_carrier_outside_its_band_keeps_the_cell_off_the_air(monday, drive, send):
    # NR-ARFCN 656666: 3000 + 0.015 · (656666 - 600000) = 3849.99 MHz; with 100 MHz the
    # channel spans 3799.99-3899.99 MHz, above n78's 3800 MHz edge, inside n77's 4200
    cell = gnb(monday, lab="carrier", cell="FEED-1", arfcn=656666)
    ue = UeModem("ue", {"seed": 2, "route": [[610, 700, 0], [620, 700, 0]]}, trainee="t",
                 lab="carrier", started_at=monday)
    assert cell.on_air is False
    assert "outside n78 (3300-3800 MHz)" in cell.state()["setup_error"]
    assert drive(ue, monday, 0)[0]["serving_cell"] != "FEED-1"
    # n77 holds it: the cell comes up, in MobiFone's C3 block (3800-3900 MHz) ...
    assert send(cell, "set_band", band="n77")["on_air"] is True
    assert cell.state()["licence"] == "MobiFone C3"
    # ... where a modem locked on n78 does not hear it
    assert drive(ue, monday + 1, 0)[0]["serving_cell"] != "FEED-1"
    # back on the plan's NR-ARFCN 650000 = 3000 + 0.015 · 50000 = 3750 MHz
    assert send(cell, "set_channel", arfcn=650000)["licence"] == "VNPT C2"
    assert send(cell, "set_band", band="n78")["on_air"] is True
    assert drive(ue, monday + 2, 0)[0]["serving_cell"] == "FEED-1"


def test_set_band_refuses_a_band_the_carrier_is_not_in(monday, send):
    cell = gnb(monday, arfcn=656666, band="n77")  # 3799.99-3899.99 MHz, in n77 only
    reply = send(cell, "set_band", band="n78")
    assert reply["ok"] is False
    assert ("band: a 100 MHz carrier at 3849.99 MHz (3799.99-3899.99 MHz) is outside "
            "n78 (3300-3800 MHz); it fits in n77") in reply["error"]


def test_interference_lowers_sinr_and_cqi_until_set_channel(monday, drive, send):
    clean = drive(gnb(monday), monday, 0)[0]
    jammed_cell = GnbCell("gnb-1", {"seed": 5}, started_at=monday,
                          faults=[Fault("interference", channel="sinr", magnitude=15)])
    jammed = drive(jammed_cell, monday, 0)[0]
    assert jammed["sinr"] == pytest.approx(clean["sinr"] - 15, abs=0.11)
    assert jammed["cqi"] < clean["cqi"]
    # NR-ARFCN 640000 = 3000 + 0.015 · 40000 = 3600 MHz: away from the interferer and from
    # the park's other cells (3750 MHz), but in none of the operators' auctioned blocks
    reply = send(jammed_cell, "set_channel", arfcn=640000)
    assert reply["resolved"] == ["interference"] and reply["centre_mhz"] == 3600.0
    assert reply["licence"] is None
    assert jammed_cell.faults.summaries()[0]["resolved"] is True
    assert drive(jammed_cell, monday + 1, 0)[0]["sinr"] > clean["sinr"] - 1


def test_arfcn_follows_the_global_raster():
    # TS 38.104 §5.4.2.1: F_REF = F_REF-Offs + ΔF_Global (N_REF - N_REF-Offs)
    assert arfcn_mhz(620000) == pytest.approx(3300.0)
    assert arfcn_mhz(653333) == pytest.approx(3799.995)
    assert arfcn_mhz(2016667) == pytest.approx(24250.08)
    assert arfcn_mhz(499200) == pytest.approx(2496.0)  # 5 kHz raster below 3 GHz: n41's edge
    assert mhz_arfcn(3750.0) == 650000 and mhz_arfcn(2496.0) == 499200


@pytest.mark.parametrize(("action", "params", "error"), [
    ("set_tilt", {"degrees": 45.0}, "degrees: Input should be less than or equal to 30"),
    ("set_tilt", {"degrees": "6"}, "degrees: Input should be a valid number"),
    ("set_power", {"dbm": -3.0}, "dbm: Input should be greater than or equal to 0"),
    ("set_power", {}, "dbm: Field required"),
    ("set_band", {"band": "n257"}, "this radio takes n77, n78, not 'n257'"),
    ("set_channel", {"arfcn": 620000}, "outside n78 (3300-3800 MHz"),
    ("set_channel", {"arfcn": 3.5}, "arfcn: Input should be a valid integer"),
    ("reboot_everything", {}, "unknown action 'reboot_everything'"),
])
def test_bad_commands_get_clear_errors(monday, send, action, params, error):
    cell = gnb(monday)
    reply = send(cell, action, **params)
    assert reply["ok"] is False and error in reply["error"]
    assert cell.evidence[-1].action == "command_rejected"


FLOWS = [{"name": "agv-control", "five_qi": 82, "sst": 2, "sd": 161, "demand_mbps": 10},
         {"name": "camera", "five_qi": 2, "sst": 1, "demand_mbps": 20},
         {"name": "web", "five_qi": 9, "sst": 1, "demand_mbps": 2000}]


def test_qos_flows_keep_their_guarantees_and_best_effort_takes_the_rest(monday, drive, send):
    cell = gnb(monday, flows=FLOWS, ue_demand_mbps=40)
    d = drive(cell, monday, 0)[0]
    grants = {g["flow"]: g for g in send(cell, "qos")["flows"]}
    assert grants["agv-control"]["rate_mbps"] == pytest.approx(10, abs=1e-3)
    assert grants["agv-control"]["gbr_met"] and grants["camera"]["gbr_met"]
    assert grants["agv-control"]["slice"] == "2-0000A1"
    # the web flow asks for far more than the cell has: every PRB is given out
    assert sum(g["prb_share"] for g in grants.values()) == pytest.approx(1.0, abs=1e-3)
    assert grants["web"]["rate_mbps"] < 2000 and grants["web"]["gbr_met"] is None
    background = [g for name, g in grants.items() if name.startswith("FEED-2/bg")]
    # the background users this cell serves, on their default bearer (5QI 9)
    assert len(background) == d["connected_ues"] and all(g["five_qi"] == 9 for g in background)


def test_a_busier_cell_squeezes_best_effort_not_the_guaranteed_flows(monday, drive):
    quiet, busy = gnb(monday, flows=FLOWS, ue_demand_mbps=5), gnb(monday, flows=FLOWS,
                                                                 ue_demand_mbps=60)
    drive(quiet, monday, 0)
    drive(busy, monday, 0)
    q = {g["flow"]: g for g in quiet.state()["qos"]}
    b = {g["flow"]: g for g in busy.state()["qos"]}
    assert q["camera"]["rate_mbps"] == pytest.approx(b["camera"]["rate_mbps"]) == \
        pytest.approx(20, abs=1e-3)
    assert b["web"]["rate_mbps"] < q["web"]["rate_mbps"]


@pytest.mark.parametrize(("params", "field"), [
    ({"flows": [{"name": "x", "five_qi": 10, "demand_mbps": 1}]},
     "flows.0: five_qi: 10 is not a standardized 5QI"),
    ({"flows": [{"name": "x", "five_qi": 9, "sst": 300, "demand_mbps": 1}]},
     "flows.0: sst: 300 is not a Slice/Service Type"),
    ({"arfcn": -1}, "arfcn"),
    ({"cell": "NOPE"}, "cell: no cell 'NOPE'"),
    ({"cell": "FEED-2", "band": "n257"}, "band: FEED-2's radio takes n77, n78"),
    ({"tilt_deg": 40}, "tilt_deg"),
    ({"background_ues": -1}, "background_ues"),
    ({"layout": "atlantis"}, "no bundled layout"),
])
def test_bad_settings_name_the_field(params, field):
    with pytest.raises(InvalidSettings, match="gnb_cell settings") as raised:
        GnbCell("gnb-1", params)
    assert field in str(raised.value)
