"""The 5G labs: their files validate, and their checks pass on the right actions only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_devices.labs.checks import evaluate_checks
from lab_devices.labs.labfile import LabFileError, load_lab, parse_lab
from lab_devices.models import MODELS
from lab_devices.radio.kpi import RSRP_BANDS_DBM, SINR_BANDS_DB, classify

LABS = Path(__file__).resolve().parents[3] / "labs"
# Three cells on the hall's long axis at 1/6, 1/2 and 5/6 of its 280 m, 8 m up.
GOOD_PLAN = [(667.0, 420.0), (760.0, 420.0), (853.0, 420.0)]


def start(lab_id: str, started_at: float, trainee: str) -> tuple:
    lab = load_lab(LABS / lab_id / "lab.yaml")
    devices = {}
    for spec in lab.devices:
        faults = [f.to_fault() for f in lab.faults if f.device == spec.id]
        devices[spec.id] = MODELS[spec.model](spec.id, spec.params, trainee=trainee,
                                              lab=lab.id, started_at=started_at, faults=faults)
    return lab, devices


def passed(lab, devices) -> dict[str, bool]:
    return {r.id: r.passed for r in evaluate_checks(lab, devices)}


def send(device, action: str, **params) -> dict:
    reply = device.handle(json.dumps({"id": "t", "action": action, **params}).encode())
    return json.loads(reply.payload)


def walk(device, start: float, seconds: float, step: float) -> list[dict]:
    out = []
    for k in range(int(seconds / step) + 1):
        for message in device.tick(start + k * step):
            if message.topic == "telemetry":
                out.append(json.loads(message.payload))
    return out


def dead_stretch_seen(readings: list[dict]) -> list[dict]:
    """What a trainee does: the longest run of readings with RSRP < -110 dBm or none."""
    best, run = [], []
    for d in readings:
        if d["rsrp"] is None or d["rsrp"] < -110:
            run.append(d)
            best = max(best, run, key=len)
        else:
            run = []
    return best


@pytest.mark.parametrize("lab_id", ["5g-kpi-walk", "5g-small-cells"])
def test_the_5g_labs_validate(lab_id):
    lab = load_lab(LABS / lab_id / "lab.yaml")
    assert lab.id == lab_id and lab.checks
    for spec in lab.devices:
        assert spec.model in MODELS


def test_a_5g_lab_with_a_bad_param_names_the_field():
    document = {"id": "x", "title": {"vi": "x", "en": "x"}, "summary": {"vi": "x", "en": "x"},
                "devices": [{"id": "ue", "model": "ue_modem", "params": {"band": "n99"}}]}
    with pytest.raises(LabFileError) as raised:
        parse_lab(document, Path("labs/x/lab.yaml"))
    assert "devices.0.params" in str(raised.value) and "n99" in str(raised.value)


@pytest.fixture
def kpi_walk(monday):
    lab, devices = start("5g-kpi-walk", monday, "an")
    return lab, devices["cpe-1"]


def test_nothing_passes_in_the_kpi_walk_before_the_trainee_acts(kpi_walk, monday):
    lab, cpe = kpi_walk
    walk(cpe, monday, 600, step=2)
    assert passed(lab, {"cpe-1": cpe}) == {"classify-readings": False, "find-dead-zone": False,
                                           "spot-interference": False}


def test_the_kpi_walk_passes_when_the_trainee_does_the_work(kpi_walk, monday):
    lab, cpe = kpi_walk
    readings = walk(cpe, monday, 230, step=2)  # the interferer starts at 240 s
    for d in readings[:5]:
        reply = send(cpe, "classify", seq=d["seq"],
                     rsrp=classify(_n(d["rsrp"]), RSRP_BANDS_DBM),
                     sinr=classify(_n(d["sinr"]), SINR_BANDS_DB))
        assert reply["correct"] is True
    walk(cpe, monday + 260, 0, step=2)
    assert cpe.state()["faults"][0]["started"] is True
    assert send(cpe, "report_fault", kind="interference", channel="sinr")["correct"] is True
    readings += walk(cpe, monday + 262, 420, step=2)
    stretch = dead_stretch_seen(readings)
    assert len(stretch) >= 10
    middle = stretch[len(stretch) // 2]
    send(cpe, "report_dead_zone", x_m=middle["x"], y_m=middle["y"])
    assert all(passed(lab, {"cpe-1": cpe}).values())


def test_the_kpi_walk_fails_wrong_answers(kpi_walk, monday):
    lab, cpe = kpi_walk
    readings = walk(cpe, monday, 60, step=2)
    send(cpe, "report_fault", kind="interference", channel="sinr")  # before it starts
    for d in readings[:5]:
        send(cpe, "classify", seq=d["seq"], rsrp="none", sinr="none")
    send(cpe, "report_dead_zone", x_m=540.0, y_m=560.0)  # the start, by the tower
    assert not any(passed(lab, {"cpe-1": cpe}).values())


@pytest.fixture
def small_cells(monday):
    lab, devices = start("5g-small-cells", monday, "an")
    return lab, devices["planner"]


def place(planner, points, height=8.0, power=24.0) -> None:
    for x, y in points:
        reply = send(planner, "place_cell", x_m=x, y_m=y, height_m=height, tx_power_dbm=power)
        assert reply["ok"], reply


def test_a_good_placement_passes_the_small_cells_lab(small_cells):
    lab, planner = small_cells
    assert passed(lab, {"planner": planner}) == {"coverage-target": False,
                                                 "plan-evaluated": False}
    place(planner, GOOD_PLAN)
    reply = send(planner, "evaluate")
    assert reply["target_met"] is True and reply["coverage"] >= 0.98
    assert all(passed(lab, {"planner": planner}).values())


def test_one_cell_in_a_corner_fails_the_small_cells_lab(small_cells):
    lab, planner = small_cells
    place(planner, [(630.0, 330.0)])
    reply = send(planner, "evaluate")
    assert reply["target_met"] is False and reply["coverage"] < 0.9
    assert not any(passed(lab, {"planner": planner}).values())


def test_the_check_follows_the_current_placement_not_an_old_evaluation(small_cells):
    lab, planner = small_cells
    place(planner, GOOD_PLAN)
    send(planner, "evaluate")
    for name in ("SC-1", "SC-3"):
        send(planner, "remove_cell", name=name)
    assert passed(lab, {"planner": planner}) == {"coverage-target": False,
                                                 "plan-evaluated": True}


def test_weak_cells_in_the_right_places_fall_short(small_cells):
    lab, planner = small_cells
    place(planner, GOOD_PLAN, power=0.0)
    assert planner.state()["coverage"] < 0.98
    assert passed(lab, {"planner": planner})["coverage-target"] is False


def _n(value: float | None) -> float:
    return float("nan") if value is None else value
