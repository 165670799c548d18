"""Park layouts from YAML: the bundled park, and errors that name file and field."""

import pytest
import yaml

from lab_devices.radio.layout import (
    LayoutError,
    bundled_layout,
    cell_from_dict,
    layout_from_dict,
    load_layout,
)

from .conftest import cell, small_park


def test_bundled_park_is_about_one_square_kilometre_with_20_cells():
    park = bundled_layout()
    xmin, ymin, xmax, ymax = park.bounds
    assert (xmax - xmin) * (ymax - ymin) == pytest.approx(1e6)
    assert len(park.cells) == 20
    # factory halls are InF, the administration block is an office (InH-Office)
    assert {z.scenario for z in park.zones} <= {"InF-SL", "InF-DL", "InF-SH", "InF-DH",
                                                "InH-Office"}
    assert all(c.zone is None or park.zone(c.zone) for c in park.cells)


def test_cell_defaults_follow_the_antenna_type():
    sector = cell_from_dict(cell("s", 0, 0, azimuth_deg=90))
    omni = cell_from_dict(cell("o", 0, 0))
    assert (sector.max_gain_dbi, omni.max_gain_dbi) == (8.0, 3.0)
    assert sector.n_rb == 273 and sector.band == "FR1"


def test_with_changes_makes_a_changed_copy():
    site = cell_from_dict(cell("s", 0, 0, azimuth_deg=90))
    tilted = site.with_changes(tilt_deg=15.0)
    assert tilted.tilt_deg == 15.0 and site.tilt_deg == 0.0


def test_unknown_zone_scenario_is_named_with_its_field():
    triangle = [[0, 0], [1, 0], [1, 1]]
    zone = {"name": "z", "scenario": "UMa", "polygon": triangle}
    with pytest.raises(LayoutError, match=r"layout.zones\[0\].scenario: 'UMa' is not one of"):
        layout_from_dict({"name": "p", "boundary": triangle, "zones": [zone]})


def test_missing_cell_field_is_named():
    data = cell("c", 0, 0)
    del data["fc_ghz"]
    with pytest.raises(LayoutError, match=r"cell: missing field 'fc_ghz'"):
        cell_from_dict(data)


def test_cell_carrier_is_checked_against_ts_38_101():
    with pytest.raises(LayoutError, match=r"cells\[0\]: bandwidth_mhz=400"):
        small_park([cell("c", 0, 0, bandwidth_mhz=400)])


def test_cell_in_an_unknown_zone_is_refused():
    with pytest.raises(LayoutError, match=r"cells\[0\].zone: 'attic' is not a zone"):
        small_park([cell("c", 0, 0, zone="attic")])


def test_unknown_cell_field_is_refused():
    with pytest.raises(LayoutError, match=r"unknown field\(s\) \['power'\]"):
        cell_from_dict({**cell("c", 0, 0), "power": 5})


def test_non_numeric_field_is_named():
    with pytest.raises(LayoutError, match=r"cell.height_m: expected a number, got 'high'"):
        cell_from_dict(cell("c", 0, 0, height_m="high"))


def test_short_polygon_is_refused():
    with pytest.raises(LayoutError, match=r"layout.boundary: expected a list of at least 3"):
        layout_from_dict({"name": "p", "boundary": [[0, 0], [1, 1]]})


def test_bad_file_is_named(tmp_path):
    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump({"name": "p", "boundary": [[0, 0], [1, 0], [1, 1]],
                                    "outdoor_scenario": "InF-SL"}))  # fmt: skip
    with pytest.raises(LayoutError, match=rf"{path}: layout.outdoor_scenario: 'InF-SL'"):
        load_layout(path)


def test_invalid_yaml_is_named(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(LayoutError, match=rf"{path}: not valid YAML"):
        load_layout(path)


def test_unknown_bundled_layout_lists_the_known_ones():
    with pytest.raises(LayoutError, match=r"known: \['kcn_sa_dec'\]"):
        bundled_layout("nowhere")
