"""Handover by event A3 on L3-filtered RSRP (TS 38.331 §5.5.3.2, §5.5.4.4), by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab_devices.models.ue_modem import UeModem
from lab_devices.radio.handover import A3Config, A3Handover, L3Filter

LAB = Path(__file__).parents[3] / "labs" / "5g-kpi-walk" / "lab.yaml"
# the default route and settings of labs/5g-kpi-walk: its cpe-1 params
KPI_WALK = next(d["params"] for d in yaml.safe_load(LAB.read_text(encoding="utf-8"))["devices"]
                if d["id"] == "cpe-1")


def test_l3_filter_with_fc4_halves_the_step():
    # k = 4: a = 1 / 2^(4/4) = 0.5. F0 = M1 = -100; F1 = 0.5·(-100) + 0.5·(-90) = -95;
    # F2 = 0.5·(-95) + 0.5·(-90) = -92.5
    f = L3Filter(4)
    assert f.update({"A": -100.0})["A"] == -100.0
    assert f.update({"A": -90.0})["A"] == pytest.approx(-95.0)
    assert f.update({"A": -90.0})["A"] == pytest.approx(-92.5)


def test_l3_filter_keeps_its_time_constant_for_a_longer_period():
    # k = 8: a = 1/2^2 = 0.25 per 200 ms. Over 400 ms: a = 1 - 0.75^2 = 0.4375, the same as
    # two 200 ms steps: F = -100 + 0.4375 · 10 = -95.625
    f = L3Filter(8)
    f.update({"A": -100.0})
    assert f.update({"A": -90.0}, period_s=0.4)["A"] == pytest.approx(-95.625)
    two = L3Filter(8)
    two.update({"A": -100.0})
    two.update({"A": -90.0})
    assert two.update({"A": -90.0})["A"] == pytest.approx(-95.625)


def test_a3_entering_condition_by_hand():
    # Off 3, Hys 1: Mn + Ocn - 1 > Mp + 3. Mp = -90: Mn = -85.9 gives -86.9 > -87 (true);
    # Mn = -86 gives -87 > -87 (false: the inequality is strict)
    cfg = A3Config(offset_db=3.0, hysteresis_db=1.0)
    assert cfg.entering(-85.9, -90.0)
    assert not cfg.entering(-86.0, -90.0)
    # a cellIndividualOffset of +2 dB on the neighbour: -88 + 2 - 1 = -87 > -87 is false,
    # -87.9 + 2 - 1 = -86.9 > -87 true
    assert not cfg.entering(-88.0, -90.0, ocn=2.0)
    assert cfg.entering(-87.9, -90.0, ocn=2.0)


def test_a3_waits_for_time_to_trigger():
    # TTT 640 ms, samples every 200 ms, no filtering (fc0: a = 1). B is 5 dB above A
    # (5 - 1 > 3) from t = 0.2 s: the condition holds at 0.2, 0.4, 0.6, 0.8 s, and
    # 0.8 - 0.2 = 0.6 s < 0.64 s, so the handover comes at t = 1.0 s (0.8 s held).
    ho = A3Handover(A3Config(time_to_trigger_ms=640, filter_coefficient=0))
    assert ho.step(0.0, {"A": -90.0, "B": -95.0}) == "A"
    served = [ho.step(t / 10, {"A": -90.0, "B": -85.0}) for t in range(2, 12, 2)]
    assert served == ["A", "A", "A", "A", "B"]
    assert ho.history[0].time_s == pytest.approx(1.0) and ho.history[0].entered_s == 0.2


def test_a3_restarts_the_timer_when_the_condition_breaks():
    ho = A3Handover(A3Config(time_to_trigger_ms=320, filter_coefficient=0))
    ho.step(0.0, {"A": -90.0, "B": -95.0})
    ho.step(0.2, {"A": -90.0, "B": -85.0})  # enters
    ho.step(0.4, {"A": -90.0, "B": -87.0})  # -87 - 1 > -87 is false: leaves
    ho.step(0.6, {"A": -90.0, "B": -85.0})  # enters again at 0.6
    assert ho.step(0.8, {"A": -90.0, "B": -85.0}) == "A"  # held 0.2 s < 0.32 s
    assert ho.step(1.0, {"A": -90.0, "B": -85.0}) == "B"  # held 0.4 s


def test_a_lost_serving_cell_is_replaced_by_the_strongest():
    ho = A3Handover(A3Config(filter_coefficient=0), sensitivity_dbm=-125.0)
    ho.step(0.0, {"A": -90.0, "B": -100.0, "C": -95.0})
    assert ho.step(0.2, {"B": -100.0, "C": -95.0}) == "C"  # A went off the air
    assert ho.step(0.4, {"B": -130.0, "C": -130.0}) is None  # below sensitivity


@pytest.mark.parametrize(("changes", "field"), [
    ({"time_to_trigger_ms": 300}, "time_to_trigger_ms: 300 is not one of 0, 40"),
    ({"filter_coefficient": 10}, "filter_coefficient: 10 is not one of"),
    ({"hysteresis_db": 0.3}, "hysteresis_db: 0.3 dB is not a multiple of 0.5 dB"),
    ({"offset_db": 20.0}, "a3_offset_db: 20.0 dB is not a multiple of 0.5 dB in -15 to 15"),
])
def test_bad_a3_settings_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        A3Config(**changes)


def test_the_lab_sets_the_handover_it_is_taught_with():
    assert (KPI_WALK["a3_offset_db"], KPI_WALK["hysteresis_db"], KPI_WALK["time_to_trigger_ms"],
            KPI_WALK["filter_coefficient"]) == (3, 1, 640, 4)


def test_the_kpi_walk_route_hands_over_as_a3_allows(monday, drive):
    # One 440 s loop: 1400 m at 12 km/h (3.33 m/s) = 420 s plus the 20 s dwell.
    device = UeModem("cpe-1", {**KPI_WALK, "seed": 3}, started_at=monday)
    drive(device, monday, 440, step=2)
    cfg = device.settings.a3_config()
    history = device.handover.history
    # a real modem changes cell a handful of times on this loop, not every other reading
    assert 1 <= len(history) <= 6
    for before, after in zip(history, history[1:], strict=False):
        assert after.time_s - before.time_s >= cfg.time_to_trigger_ms / 1000
    for h in history:
        # each handover: A3-1 held on every sample from its entry to the trigger, for TTT
        assert h.time_s - h.entered_s >= cfg.time_to_trigger_ms / 1000 - 1e-9
        assert h.window[0][0] == h.entered_s and h.window[-1][0] == h.time_s
        assert all(cfg.entering(target, source) for _, target, source in h.window)
    assert device.state()["handovers"] == len(history)


def test_without_a3_the_same_loop_would_ping_pong(monday, drive):
    # Offset 0, hysteresis 0, TTT 0 and no filtering: the strongest sample wins each time
    eager = UeModem("cpe-1", {**KPI_WALK, "seed": 3, "a3_offset_db": 0, "hysteresis_db": 0,
                              "time_to_trigger_ms": 0, "filter_coefficient": 0},
                    started_at=monday)
    drive(eager, monday, 440, step=2)
    careful = UeModem("cpe-1", {**KPI_WALK, "seed": 3}, started_at=monday)
    drive(careful, monday, 440, step=2)
    assert len(eager.handover.history) > 5 * len(careful.handover.history)
