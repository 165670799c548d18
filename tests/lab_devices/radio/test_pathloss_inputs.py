"""Path loss refuses what TR 38.901 V17.0.0 Table 7.4.1-1 does not cover, and says why."""

import numpy as np
import pytest

from lab_devices.radio import pathloss


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown scenario 'InH'.*InF-SL.*RMa"):
        pathloss("InH", d2d_m=20, fc_ghz=3.5, los=True)


def test_inf_distance_below_one_metre_names_the_range():
    with pytest.raises(ValueError, match=r"1 m ≤ d3D ≤ 600 m.*got d3D = 0.5"):
        pathloss("InF-SL", d2d_m=0.5, fc_ghz=3.5, los=True)


def test_inf_distance_beyond_600_m_is_refused():
    with pytest.raises(ValueError, match="600 m"):
        pathloss("InF-DH", d2d_m=700, fc_ghz=28, los=False)


def test_outdoor_distance_below_10_m_names_the_range():
    with pytest.raises(ValueError, match=r"UMi path loss needs 10 m ≤ d2d_m ≤ 5000 m"):
        pathloss("UMi", d2d_m=0.9, fc_ghz=3.5, los=True)


def test_rma_nlos_stops_at_5_km_while_los_reaches_10_km():
    assert pathloss("RMa", d2d_m=7000, fc_ghz=3.5, los=True) > 0
    with pytest.raises(ValueError, match=r"10000 m \(LOS\) or 5000 m \(NLOS\)"):
        pathloss("RMa", d2d_m=7000, fc_ghz=3.5, los=False)


def test_negative_frequency_names_the_range():
    with pytest.raises(ValueError, match=r"0.5 GHz ≤ fc_ghz ≤ 100 GHz.*got fc_ghz = -3.5"):
        pathloss("UMa", d2d_m=100, fc_ghz=-3.5, los=True)


def test_rma_above_30_ghz_is_refused():
    with pytest.raises(ValueError, match="0.5 GHz ≤ fc_ghz ≤ 30 GHz"):
        pathloss("RMa", d2d_m=100, fc_ghz=39, los=True)


@pytest.mark.parametrize(
    ("scenario", "kwargs", "field"),
    [
        ("UMa", {"h_ut_m": 0.5}, "h_ut_m"),
        ("UMa", {"h_bs_m": 200}, "h_bs_m"),
        ("RMa", {"h_ut_m": 12}, "h_ut_m"),
        ("UMi", {"h_bs_m": -1}, "h_bs_m"),
        ("InF-SH", {"h_bs_m": 40}, "h_bs_m"),
    ],
)
def test_heights_outside_the_model_are_named(scenario, kwargs, field):
    with pytest.raises(ValueError, match=f"≤ {field} ≤"):
        pathloss(scenario, d2d_m=100, fc_ghz=3.5, los=True, **kwargs)


def test_one_bad_element_of_an_array_is_reported():
    with pytest.raises(ValueError, match="got d2d_m = 6000"):
        pathloss("UMa", d2d_m=np.array([50.0, 6000.0]), fc_ghz=3.5, los=True)


def test_nan_distance_is_refused():
    with pytest.raises(ValueError, match="d2d_m"):
        pathloss("UMa", d2d_m=float("nan"), fc_ghz=3.5, los=True)


def test_los_must_be_boolean():
    with pytest.raises(ValueError, match="los must be True or False"):
        pathloss("UMa", d2d_m=100, fc_ghz=3.5, los="yes")


def test_arrays_broadcast_and_match_the_scalar_results():
    d = np.array([20.0, 100.0, 400.0])
    los = np.array([True, False, True])
    got = pathloss("UMi", d2d_m=d, fc_ghz=3.5, los=los)
    assert isinstance(got, np.ndarray) and got.shape == (3,)
    expected = [
        pathloss("UMi", d2d_m=float(x), fc_ghz=3.5, los=bool(s))
        for x, s in zip(d, los, strict=True)
    ]
    assert got == pytest.approx(expected)


def test_nlos_is_never_below_los():
    d = np.linspace(10, 5000, 200)
    for scenario in ("UMi", "UMa", "RMa"):
        nlos = pathloss(scenario, d2d_m=d, fc_ghz=3.5, los=False)
        assert np.all(nlos >= pathloss(scenario, d2d_m=d, fc_ghz=3.5, los=True))
