"""The 5G modem: KPIs from the radio models as it moves, its faults, commands and bad input."""

from __future__ import annotations

import json

import pytest

from lab_devices.device.base import InvalidSettings
from lab_devices.device.faults import Fault
from lab_devices.models.gnb_cell import GnbCell
from lab_devices.models.ue_modem import UeModem
from lab_devices.radio.kpi import RSRP_BANDS_DBM, SINR_BANDS_DB, classify
from lab_devices.radio.network import longest_run, network_for

# The east-road loop of labs/5g-kpi-walk; its dead zone (RSRP < -110 dBm in the models)
# lies on the east leg, x = 980 m, y ≈ 395-520 m, behind the west-facing pole P1.
WALK = [[540, 560, 0], [980, 560, 0], [980, 300, 0], [540, 300, 0]]
NEAR_TOWER = (540.0, 620.0)  # in the T1-A sector (azimuth 30°) of the tower at (470, 560)


def modem(monday: float, **params) -> UeModem:
    return UeModem("ue-1", {"seed": 3, **params}, started_at=monday)


def kpis_at(device: UeModem, point: tuple[float, float]):
    return device.measure_kpis(*point, noisy=False)


def test_kpis_stay_within_their_documented_ranges(monday, drive):
    for d in drive(modem(monday, route=WALK, speed_kmh=12), monday, 600, step=5):
        if d["serving_cell"] is None:
            assert d["rsrp"] is None and d["throughput"] == 0
            continue
        assert -140 <= d["rsrp"] <= -40 and -30 <= d["rsrq"] <= -3
        assert -15 <= d["sinr"] <= 50 and 0 <= d["cqi"] <= 15
        assert 0 <= d["throughput"] <= 2 * 1200 and 0 < d["latency"] < 100


def test_rates_stay_under_the_carriers_ceilings(monday, drive):
    # 100 MHz at 30 kHz, DDDSU 10:2:2, 10 % BLER (tests/lab_devices/radio/test_mcs_tdd.py):
    # downlink CQI 15 with 2 layers 585.92 Mbit/s, uplink CQI 15 with 1 layer 96.43 Mbit/s
    documents = drive(modem(monday, route=WALK, speed_kmh=12, cell_load=0.0), monday, 300, step=5)
    served = [d for d in documents if d["serving_cell"] is not None]
    assert served and all(0 <= d["throughput"] <= 585.92 for d in served)
    assert all(0 <= d["uplink"] <= 96.43 for d in served)
    assert max(d["uplink"] for d in served) > 0


def test_kpis_change_as_the_modem_moves(monday, drive):
    documents = drive(modem(monday, route=WALK, speed_kmh=12, measurement_sigma_db=0),
                      monday, 1200, step=10)
    xs = {d["x"] for d in documents}
    assert len(xs) > 10 and max(d["speed"] for d in documents) == 12
    rsrps = [d["rsrp"] for d in documents if d["rsrp"] is not None]
    assert max(rsrps) - min(rsrps) > 20
    assert len({d["serving_cell"] for d in documents}) >= 3  # handovers along the road


def test_the_walk_route_has_a_dead_zone_on_the_east_leg(monday):
    stretch = modem(monday, route=WALK).dead_zone()
    assert stretch is not None and len(stretch) >= 10
    assert all(x == 980 and 380 <= y <= 540 for x, y in stretch)


def test_the_modem_reads_the_dead_zone_where_the_models_put_it(monday, drive):
    device = modem(monday, route=WALK, speed_kmh=12, measurement_sigma_db=0)
    inside = [d for d in drive(device, monday, 420, step=2)
              if d["x"] == 980 and 420 <= d["y"] <= 500]
    assert inside and all(d["rsrp"] is None or d["rsrp"] < -110 for d in inside)


def test_an_outage_of_the_serving_cell_drops_rsrp(monday):
    point = (600.0, 640.0)
    healthy = kpis_at(modem(monday), point)
    assert healthy.serving_cell == "FEED-1"
    broken = kpis_at(modem(monday, cell_faults={"FEED-1": {"outage": True}}), point)
    assert broken.serving_cell != "FEED-1" and broken.rsrp_dbm < healthy.rsrp_dbm - 3


def test_a_wrong_tilt_moves_the_sector_footprint_in(monday):
    # Table 7.3-1's element has a 65° vertical beamwidth: 24° too much downtilt costs
    # about 2 dB at 400 m and gains about 2 dB at 40 m from the mast.
    planned = modem(monday).network.cell("T1-A")
    network = modem(monday, cell_faults={"T1-A": {"tilt_deg": 30}}).network
    tilted = network.cell("T1-A")
    assert (planned.tilt_deg, tilted.tilt_deg) == (6, 30)
    far, near = (670.0, 906.0), (490.0, 595.0)  # 400 m and 40 m along the 30° azimuth
    rsrp = network.radio.rsrp_at
    assert rsrp([planned], *far)[0] - rsrp([tilted], *far)[0] > 1.5
    assert rsrp([tilted], *near)[0] - rsrp([planned], *near)[0] > 1.5


def test_a_wrong_power_lowers_rsrp_by_the_same_decibels(monday):
    planned = kpis_at(modem(monday), NEAR_TOWER)
    weak = kpis_at(modem(monday, cell_faults={"T1-A": {"tx_power_dbm": 36}}), NEAR_TOWER)
    if weak.serving_cell == "T1-A":
        assert weak.rsrp_dbm == pytest.approx(planned.rsrp_dbm - 10, abs=0.01)
    else:  # another cell took over, still weaker than the planned T1-A
        assert weak.rsrp_dbm < planned.rsrp_dbm - 3


def test_a_modem_locked_on_the_wrong_band_has_no_service(monday, drive, send):
    device = modem(monday, band="n257")
    document = drive(device, monday, 0)[0]
    assert document["serving_cell"] is None and document["rsrp"] is None
    assert document["throughput"] == 0 and document["cqi"] == 0
    # n78 is 3300-3800 MHz (TS 38.101-1 Table 5.2-1): the park's 3700-3800 MHz carrier fits
    assert send(device, "set_band", band="n78") == {"id": 1, "ok": True, "band": "n78",
                                                     "dl_mhz": [3300.0, 3800.0]}
    assert drive(device, monday + 1, 0)[0]["serving_cell"] is not None
    assert device.evidence[-2].detail == {"setpoint": "band", "from": "n257", "to": "n78"}


def test_no_service_is_valid_json_with_nulls(monday):
    message = modem(monday, band="n257").tick(monday)[0]
    assert b"NaN" not in message.payload and b"Infinity" not in message.payload
    assert json.loads(message.payload)["latency"] is None


def test_interference_lowers_sinr_by_its_magnitude_and_not_rsrp(monday, drive):
    fault = Fault("interference", channel="sinr", magnitude=12)
    clean = drive(modem(monday), monday, 300, step=10)
    jammed = drive(UeModem("ue-1", {"seed": 3}, started_at=monday, faults=[fault]),
                   monday, 300, step=10)
    for a, b in zip(clean, jammed, strict=True):
        assert b["rsrp"] == a["rsrp"]
        assert b["sinr"] == pytest.approx(a["sinr"] - 12, abs=0.11)
        assert b["cqi"] <= a["cqi"] and b["rsrq"] <= a["rsrq"]
    assert sum(b["cqi"] for b in jammed) < sum(a["cqi"] for a in clean)


def test_reporting_interference_while_it_is_on_is_correct(monday, drive, send):
    device = UeModem("ue-1", {"seed": 3}, started_at=monday,
                     faults=[Fault("interference", channel="sinr", at=60, magnitude=10)])
    drive(device, monday, 30, step=10)
    assert send(device, "report_fault", kind="interference", channel="sinr")["correct"] is False
    drive(device, monday + 60, 0)
    assert send(device, "report_fault", kind="interference", channel="sinr")["correct"] is True


def test_a_gnb_interference_fault_reaches_the_modems_it_serves(monday, drive):
    def sinr_with(faults):
        gnb = GnbCell("gnb", {"cell": "FEED-1", "seed": 1}, trainee="t", lab="x",
                      started_at=monday, faults=faults)
        ue = UeModem("ue", {"seed": 3, "measurement_sigma_db": 0}, trainee="t", lab="x",
                     started_at=monday)
        gnb.tick(monday)
        document = drive(ue, monday, 0)[0]
        assert document["serving_cell"] == "FEED-1"
        return document["sinr"]

    jammer = Fault("interference", channel="sinr", magnitude=8)
    assert sinr_with([jammer]) == pytest.approx(sinr_with([]) - 8, abs=0.11)


def test_disabling_the_serving_gnb_hands_the_modem_over(monday, drive, send):
    gnb = GnbCell("gnb", {"cell": "FEED-1", "seed": 1}, trainee="t", lab="y", started_at=monday)
    ue = UeModem("ue", {"seed": 3}, trainee="t", lab="y", started_at=monday)
    assert drive(ue, monday, 0)[0]["serving_cell"] == "FEED-1"
    send(gnb, "disable")
    assert drive(ue, monday + 1, 0)[0]["serving_cell"] not in (None, "FEED-1")


def test_each_run_of_a_lab_has_its_own_network():
    assert network_for("a", "lab") is network_for("a", "lab")
    assert network_for("a", "lab") is not network_for("b", "lab")
    assert network_for("", "") is not network_for("", "")
    assert network_for("a", "lab", 100.0) is not network_for("a", "lab", 200.0)


def test_meta_lists_units_fields_and_commands(monday):
    meta = json.loads(modem(monday).meta_message().payload)
    assert meta["units"]["rsrp"] == "dBm" and meta["units"]["throughput"] == "Mbit/s"
    assert "serving_cell" in meta["fields"]
    assert {"attach", "detach", "set_band", "report_now", "goto", "resume", "classify",
            "report_dead_zone", "report_cell_fault"} <= set(meta["commands"])


def test_detach_stops_data_and_attach_restores_it(monday, drive, send):
    device = modem(monday)
    assert send(device, "detach") == {"id": 1, "ok": True, "attached": False, "changed": True}
    document = drive(device, monday, 0)[0]
    assert document["throughput"] == 0 and document["latency"] is None
    assert document["rsrp"] is not None  # idle mode still measures
    assert send(device, "attach")["changed"] is True
    assert drive(device, monday + 1, 0)[0]["throughput"] > 0
    assert [e.action for e in device.evidence if e.action.startswith("ue_")] == [
        "ue_detached", "ue_attached"]


def test_report_now_measures_at_the_current_position(monday, send):
    reply = send(modem(monday), "report_now")
    assert reply["ok"] and reply["values"]["x"] == 575 and reply["values"]["serving_cell"]
    assert reply["zone"] == "Thức ăn chăn nuôi / feed mill" and reply["band"] == "n78"


def test_goto_holds_the_modem_at_the_waypoint_until_resume(monday, drive, send):
    device = modem(monday)
    assert send(device, "goto", waypoint=2)["x"] == 845
    documents = drive(device, monday, 600, step=10)
    assert documents[-1]["x"] == 845 and documents[-1]["y"] == 760
    assert documents[-1]["speed"] == 0
    assert send(device, "resume") == {"id": 1, "ok": True, "resumed": True}
    later = drive(device, monday + 610, 120, step=10)
    assert later[-1]["x"] < 845


@pytest.mark.parametrize(("action", "params", "error"), [
    ("set_band", {"band": "n99"}, "band 'n99' is not supported"),
    ("set_band", {}, "band: Field required"),
    ("goto", {"waypoint": 4}, "waypoint must be 0 to 3; got 4"),
    ("goto", {"waypoint": "2"}, "waypoint: Input should be a valid integer"),
    ("resume", {}, "not holding at a waypoint"),
    ("classify", {"seq": 99, "rsrp": "good", "sinr": "good"}, "no reading with seq 99"),
    ("classify", {"seq": 1, "rsrp": "great", "sinr": "good"}, "rsrp: Input should be"),
    ("report_dead_zone", {"x_m": 5000.0, "y_m": 10.0}, "outside the park"),
    ("report_dead_zone", {"x_m": 10.0}, "y_m: Field required"),
    ("report_cell_fault", {"cell": "NOPE", "kind": "outage"}, "no cell 'NOPE'"),
    ("report_cell_fault", {"cell": "P1", "kind": "melted"}, "kind: Input should be"),
    ("teleport", {}, "unknown action 'teleport'"),
])
def test_bad_commands_get_clear_errors(monday, drive, send, action, params, error):
    device = modem(monday)
    drive(device, monday, 0)
    reply = send(device, action, **params)
    assert reply["ok"] is False and error in reply["error"]
    assert device.evidence[-1].action == "command_rejected"


def test_classify_checks_the_reading_it_names(monday, drive, send):
    device = modem(monday)
    d = drive(device, monday, 0)[0]
    right = {"rsrp": classify(d["rsrp"], RSRP_BANDS_DBM),
             "sinr": classify(d["sinr"], SINR_BANDS_DB)}
    assert send(device, "classify", seq=d["seq"], **right)["correct"] is True
    wrong = {**right, "rsrp": "excellent" if right["rsrp"] != "excellent" else "poor"}
    assert send(device, "classify", seq=d["seq"], **wrong)["correct"] is False
    assert [e.detail["correct"] for e in device.evidence if e.action == "kpi_classified"] == [
        True, False]


def test_a_dead_zone_report_is_judged_against_the_models(monday, send):
    device = modem(monday, route=WALK)
    send(device, "report_dead_zone", x_m=975.0, y_m=470.0)
    send(device, "report_dead_zone", x_m=540.0, y_m=300.0)
    reports = [e.detail for e in device.evidence if e.action == "dead_zone_reported"]
    assert [r["correct"] for r in reports] == [True, False]
    assert reports[0]["error_m"] == 5.0


def test_a_cell_fault_report_is_judged_against_the_network(monday, send):
    device = modem(monday, cell_faults={"P1": {"outage": True}, "T1-A": {"tilt_deg": 20}})
    assert send(device, "report_cell_fault", cell="P1", kind="outage")["correct"] is True
    assert send(device, "report_cell_fault", cell="T1-A", kind="tilt")["correct"] is True
    assert send(device, "report_cell_fault", cell="T1-A", kind="power")["correct"] is False
    assert send(device, "report_cell_fault", cell="P2", kind="outage")["correct"] is False


@pytest.mark.parametrize(("params", "field"), [
    ({"route": [[5000, 10, 0], [10, 10, 0]]}, "route.0"),
    ({"route": [[10, 10, 0]]}, "a route needs at least 2 waypoints"),
    ({"band": "n99"}, "band: 'n99' is not one of"),
    ({"cell_faults": {"NOPE": {"outage": True}}}, "cell_faults: no cell 'NOPE'"),
    ({"cell_faults": {"P1": {"tilt_deg": 90}}}, "cell_faults.P1.tilt_deg"),
    ({"layout": "atlantis"}, "no bundled layout 'atlantis'"),
    ({"speed_kmh": 0}, "speed_kmh"),
    # 6000 MHz lies between n79 (4400-5000 MHz) and FR2: in no band of TS 38.101-1/-2
    ({"cell_faults": {"P1": {"fc_ghz": 6.0}}}, "fc_ghz: 6000 MHz (0 MHz wide) is in no NR band"),
    ({"supported_bands": ["n78", "n99"]}, "supported_bands: band: 'n99' is not an NR band"),
    ({"band": "n41", "supported_bands": ["n78"]}, "band: 'n41' is not one of n78 (the bands"),
    ({"time_to_trigger_ms": 300}, "time_to_trigger_ms: 300 is not one of 0, 40, 64"),
    ({"filter_coefficient": 12}, "filter_coefficient: 12 is not one of"),
    ({"hysteresis_db": 0.7}, "hysteresis_db: 0.7 dB is not a multiple of 0.5 dB"),
])
def test_bad_settings_name_the_field(params, field):
    with pytest.raises(InvalidSettings, match="ue_modem settings") as raised:
        UeModem("ue-1", params)
    assert field in str(raised.value)


def test_a_carrier_fault_outside_n78_hides_the_cell_from_an_n78_modem(monday, drive):
    # P1 moved to 3850 MHz: with 100 MHz, 3800-3900 MHz, above n78's 3800 MHz edge
    near_p1 = [[950, 580, 0], [940, 580, 0]]
    plain = drive(modem(monday, route=near_p1), monday, 0)[0]
    moved = modem(monday, route=near_p1, cell_faults={"P1": {"fc_ghz": 3.85}})
    assert plain["serving_cell"] == "P1"
    assert drive(moved, monday, 0)[0]["serving_cell"] != "P1"


def test_the_longest_dead_run_may_wrap_around_the_loop():
    points = [(float(i), 0.0) for i in range(8)]
    flags = [True, True, False, True, False, False, True, True]
    assert longest_run(points, flags) == [(6.0, 0.0), (7.0, 0.0), (0.0, 0.0), (1.0, 0.0)]
    assert longest_run(points, [False] * 8) is None
    assert longest_run(points, [True] * 8) == points


def test_an_offline_modem_is_silent_and_answers_when_back(monday):
    device = UeModem("ue-1", {"seed": 3}, started_at=monday,
                     faults=[Fault("offline", at=10, duration=30)])
    assert [m.topic for m in device.tick(monday)] == ["telemetry"]
    assert [m.payload for m in device.tick(monday + 20)] == [b"offline"]
    assert device.handle(json.dumps({"id": 5, "action": "report_now"}).encode()) is None
    back = device.tick(monday + 45)
    assert [m.topic for m in back] == ["status", "reply", "telemetry"]
    assert json.loads(back[1].payload)["id"] == 5
