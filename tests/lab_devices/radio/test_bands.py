"""Bands as frequency ranges (TS 38.101-1/-2 Table 5.2-1) and Vietnam's 2024 5G licences."""

from __future__ import annotations

import numpy as np
import pytest

from lab_devices.models.ue_modem import UeModem
from lab_devices.radio import RadioMap, bands, bundled_layout
from lab_devices.radio.antenna import sector_gain_db


@pytest.mark.parametrize(("name", "dl"), [
    ("n77", (3300, 4200)), ("n78", (3300, 3800)), ("n79", (4400, 5000)), ("n41", (2496, 2690)),
    ("n1", (2110, 2170)), ("n3", (1805, 1880)), ("n28", (758, 803)),
])
def test_band_ranges_of_table_5_2_1(name, dl):
    assert bands.band(name).dl_mhz == dl


def test_fdd_bands_have_their_uplink_apart():
    assert bands.band("n1").uplink_mhz == (1920, 1980)
    assert bands.band("n28").uplink_mhz == (703, 748)
    assert bands.band("n41").uplink_mhz == (2496, 2690)  # TDD: the same range


def test_overlapping_bands():
    # 3750 MHz ± 50 MHz = 3700-3800 MHz: in n78 (up to 3800) and in n77 (up to 4200)
    assert bands.bands_containing(3.75, 100) == ["n77", "n78"]
    # 3849.99 ± 50 = 3799.99-3899.99 MHz: above n78's edge, in n77 only
    assert bands.bands_containing(3.84999, 100) == ["n77"]
    # 2550 ± 50 = 2500-2600 MHz: in n41 (2496-2690); n7's downlink starts at 2620 MHz
    assert bands.bands_containing(2.55, 100) == ["n41"]
    assert bands.band_for_carrier(3.75, 100) == "n78"  # the narrower of the two


def test_vietnamese_operators_hold_three_blocks():
    held = {a.operator: (a.low_mhz, a.high_mhz) for a in bands.assignments()}
    assert held == {"Viettel": (2500, 2600), "VNPT": (3700, 3800), "MobiFone": (3800, 3900)}
    assert bands.operator_of(3.75, 100).operator == "VNPT"
    assert bands.operator_of(2.55, 100).operator == "Viettel"
    assert bands.operator_of(3.84999, 100).operator == "MobiFone"
    assert bands.operator_of(3.5, 100) is None  # 3450-3550 MHz: in no auctioned block


def test_the_bundled_park_runs_on_vnpts_block():
    park = bundled_layout()
    assert {(c.fc_ghz, c.bandwidth_mhz) for c in park.cells} == {(3.75, 100)}
    assert bands.operator_of(3.75, 100).block == "C2"


@pytest.mark.parametrize(("call", "error"), [
    (lambda: bands.band("n99"), "band: 'n99' is not an NR band of the table"),
    (lambda: bands.band_for_carrier(6.0, 100), "fc_ghz: 6000 MHz .100 MHz wide. is in no NR band"),
    (lambda: bands.check_carrier("n41", 3.75, 100),
     r"fc_ghz: a 100 MHz carrier at 3750 MHz \(3700-3800 MHz\) is outside n41 \(2496-2690 MHz\);"
     r" it fits in n77, n78"),
    (lambda: bands.check_carrier("n78", 3.3, 100),
     r"fc_ghz: a 100 MHz carrier at 3300 MHz \(3250-3350 MHz\) is outside n78"),
])
def test_a_carrier_outside_any_band_is_named(call, error):
    with pytest.raises(ValueError, match=error):
        call()


def test_a_modem_on_n41_hears_nothing_in_the_park(monday, drive):
    # the park's cells are at 3700-3800 MHz; n41 is 2496-2690 MHz
    document = drive(UeModem("ue", {"seed": 1, "band": "n41"}, started_at=monday), monday, 0)[0]
    assert document["serving_cell"] is None


def test_a_modem_on_n77_hears_the_park_too(monday, drive):
    document = drive(UeModem("ue", {"seed": 1, "band": "n77"}, started_at=monday), monday, 0)[0]
    assert document["serving_cell"] is not None


def test_a_band_the_modem_does_not_support_is_refused(monday, send):
    device = UeModem("ue", {"seed": 1, "supported_bands": ["n78", "n1"]}, started_at=monday)
    reply = send(device, "set_band", band="n41")
    assert reply["ok"] is False
    assert "band 'n41' is not supported; supported: n78, n1" in reply["error"]


def test_sectors_of_one_site_share_their_links_fading():
    # T1-A and T1-B stand at the same place: their RSRP differs only by antenna gain
    park = bundled_layout()
    radio = RadioMap(park, spacing_m=20, seed=7)
    a, b = (next(c for c in park.cells if c.name == n) for n in ("T1-A", "T1-B"))
    dx = radio._x - np.float32(a.x_m)
    dy = radio._y - np.float32(a.y_m)
    drop = a.height_m - park.ue_height_m
    gain = [sector_gain_db(dx, dy, drop, azimuth_deg=c.azimuth_deg, tilt_deg=c.tilt_deg,
                           max_gain_dbi=c.max_gain_dbi) for c in (a, b)]
    diff = radio.rsrp_grid(a) - radio.rsrp_grid(b)
    assert np.allclose(diff, gain[0] - gain[1], atol=1e-3)
