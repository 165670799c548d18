"""LOS probability (TR 38.901 V17.0.0 Table 7.4.2-1) and the correlated random fields."""

import math

import numpy as np
import pytest

from lab_devices.radio.los import los_probability
from lab_devices.radio.scenarios import get_scenario
from lab_devices.radio.shadowing import gaussian_fields, normal_cdf, shadow_sigma_db


def test_umi_los_probability_at_100_m():
    # 18/100 + exp(-100/36)·(1 - 18/100) = 0.18 + 0.062177·0.82 = 0.230985
    assert los_probability("UMi", d2d_m=100) == pytest.approx(0.230985, abs=1e-6)


def test_uma_los_probability_at_200_m_for_a_ground_ut():
    # hUT ≤ 13 m: C' = 0; 18/200 + exp(-200/63)·(1 - 0.09) = 0.09 + 0.041811·0.91 = 0.128048
    assert los_probability("UMa", d2d_m=200) == pytest.approx(0.128048, abs=1e-6)


def test_uma_los_probability_grows_for_a_ut_on_a_high_floor():
    # hUT = 23 m: C' = ((23-13)/10)^1.5 = 1; factor 1 + 1.25·(200/100)^3·exp(-200/150)
    # = 1 + 10·0.263597 = 3.63597; 0.128048 · 3.63597 = 0.465578
    assert los_probability("UMa", d2d_m=200, h_ut_m=23) == pytest.approx(0.465578, abs=1e-5)


def test_rma_los_probability_at_1_km():
    # exp(-(1000 - 10)/1000) = exp(-0.99) = 0.371577
    assert los_probability("RMa", d2d_m=1000) == pytest.approx(0.371577, abs=1e-6)


def test_inf_sl_los_probability_with_table_7_2_4_clutter():
    # r = 0.2, d_clutter = 10 m: k = -10/ln(0.8) = 44.814 m; exp(-50/44.814) = 0.327680
    assert los_probability("InF-SL", d2d_m=50) == pytest.approx(0.32768, abs=1e-5)


def test_inf_dh_los_probability_scales_k_with_the_heights():
    # r = 0.6, d_clutter = 2 m, h_c = 6 m, hBS = 8 m, hUT = 1.5 m:
    # k = -2/ln(0.4) · (8 - 1.5)/(6 - 1.5) = 2.18271 · 1.44444 = 3.15280; exp(-10/3.15280) = 0.04193
    assert los_probability("InF-DH", d2d_m=10) == pytest.approx(0.04193, abs=1e-4)


def test_inf_high_scenarios_need_the_bs_above_the_clutter():
    with pytest.raises(ValueError, match="h_ut_m < clutter height h_c < h_bs_m"):
        los_probability("InF-DH", d2d_m=10, h_bs_m=4.0)


def test_every_scenario_is_certain_los_at_zero_distance():
    for name in ("UMi", "UMa", "RMa", "InF-SL", "InF-SH"):
        assert los_probability(name, d2d_m=0.0) == 1.0


def test_negative_distance_is_refused():
    with pytest.raises(ValueError, match="d2d_m must be ≥ 0"):
        los_probability("UMi", d2d_m=-1)


def test_fields_are_reproducible_from_a_seed():
    a = gaussian_fields((50, 60), 5.0, 20.0, np.random.default_rng(7), 2)
    b = gaussian_fields((50, 60), 5.0, 20.0, np.random.default_rng(7), 2)
    assert a.dtype == np.float32 and a.shape == (2, 50, 60)
    assert np.array_equal(a, b)


def test_fields_have_unit_variance_and_gudmundson_correlation():
    # 40 fields of 300x300 points: the sample statistics are tight enough for 0.03
    fields = gaussian_fields((300, 300), 5.0, 25.0, np.random.default_rng(1), 40)
    assert fields.var() == pytest.approx(1.0, abs=0.03)
    lag = (fields[:, :, :-5] * fields[:, :, 5:]).mean() / fields.var()  # 25 m apart
    assert lag == pytest.approx(math.exp(-1.0), abs=0.03)
    far = (fields[:, :-20, :] * fields[:, 20:, :]).mean() / fields.var()  # 100 m apart
    assert far == pytest.approx(math.exp(-4.0), abs=0.03)


def test_field_refuses_a_zero_correlation_distance():
    with pytest.raises(ValueError, match="corr_m"):
        gaussian_fields((10, 10), 5.0, 0.0, np.random.default_rng(0), 1)


def test_normal_cdf_matches_known_quantiles():
    got = normal_cdf(np.array([-1.959964, 0.0, 1.0]))
    assert got == pytest.approx([0.025, 0.5, 0.841345], abs=1e-6)


def test_shadow_sigma_follows_table_7_4_1_1():
    assert float(shadow_sigma_db(get_scenario("UMi"), False)) == 7.82
    assert float(shadow_sigma_db(get_scenario("InF-DL"), False)) == 7.2
    assert float(shadow_sigma_db(get_scenario("RMa"), True, beyond_breakpoint=True)) == 6.0
    assert float(shadow_sigma_db(get_scenario("RMa"), True)) == 4.0


def test_shadow_fading_grid_has_the_table_sigma_and_is_seeded():
    from lab_devices.radio import shadow_fading_db

    # UMi NLOS: σ = 7.82 dB (Table 7.4.1-1), d_cor = 13 m (Table 7.5-6); 400x400 at 5 m
    grid = shadow_fading_db("UMi", (400, 400), 5.0, los=False, seed=9)
    assert grid.std() == pytest.approx(7.82, rel=0.05)
    assert np.array_equal(grid, shadow_fading_db("UMi", (400, 400), 5.0, los=False, seed=9))


def test_shadow_fading_names_an_unknown_scenario():
    from lab_devices.radio import shadow_fading_db

    with pytest.raises(ValueError, match="unknown scenario 'InH'"):
        shadow_fading_db("InH", (10, 10), 5.0, los=True, seed=1)
