"""values.yaml against the Zero to JupyterHub chart's values schema, as `helm lint` checks."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from senlab.hub.k8s import check


def test_the_values_validate_against_the_charts_schema(values, schema):
    assert check.values_errors(values, schema) == []


def test_the_shipped_schema_is_the_one_in_shared():
    shared = Path(check.REPO_ROOT).parent / "shared" / "k8s" / "z2jh-values.schema.yaml"
    if shared.exists():  # beside the clone here and in CI; the copy must not drift
        assert shared.read_bytes() == check.SCHEMA_PATH.read_bytes()
    assert yaml.safe_load(check.SCHEMA_PATH.read_text())["additionalProperties"] is False


def test_an_unknown_key_is_named_with_its_path(values, schema):
    bad = copy.deepcopy(values)
    bad["hub"]["extraEnvv"] = {"SENLAB_HOME": "/srv/senlab"}
    errors = check.values_errors(bad, schema, source="bad-values.yaml")
    assert errors == ["bad-values.yaml: hub.extraEnvv: unknown key, not in the chart's "
                      "values schema"]


def test_an_unknown_key_deep_in_a_list_is_named_with_its_index(values, schema):
    bad = copy.deepcopy(values)
    bad["singleuser"]["storage"]["homeMountPth"] = "/home/jovyan"
    bad["unknownTop"] = 1
    errors = check.values_errors(bad, schema)
    assert "values.yaml: singleuser.storage.homeMountPth: unknown key, not in the chart's " \
           "values schema" in errors
    assert "values.yaml: unknownTop: unknown key, not in the chart's values schema" in errors


def test_a_wrong_type_is_named_with_its_path(values, schema):
    bad = copy.deepcopy(values)
    bad["hub"]["db"]["type"] = "oracle"
    errors = check.values_errors(bad, schema)
    assert len(errors) == 1
    assert errors[0].startswith("values.yaml: hub.db.type: 'oracle' is not one of")


def test_required_keys_are_left_to_the_charts_defaults_but_types_still_count(schema):
    # Our file alone lacks the chart's required top-level keys (helm merges the defaults
    # first), yet a wrong type anywhere is still an error.
    assert check.values_errors({"hub": {"db": {"type": "postgres"}}}, schema) == []
    assert check.values_errors({"cull": {"enabled": "yes"}}, schema) == [
        "values.yaml: cull.enabled: 'yes' is not of type 'boolean'"]


def test_a_file_that_is_not_yaml_is_refused_with_its_name(tmp_path):
    broken = tmp_path / "values.yaml"
    broken.write_text("hub:\n  db: [unclosed\n")
    try:
        check.load_documents(broken)
    except check.CheckError as error:
        assert str(error).startswith("values.yaml: not valid YAML")
    else:
        raise AssertionError("invalid YAML was accepted")


def test_every_image_in_the_values_is_pinned(values):
    for section in ("hub", "singleuser"):
        image = values[section]["image"]
        assert check.pinned(f"{image['name']}:{image['tag']}"), section


def test_the_hub_uses_postgresql_with_the_password_from_a_secret(values):
    db = values["hub"]["db"]
    assert db["type"] == "postgres"
    assert "@senlab-postgres:5432/" in db["url"]
    assert ":" not in db["url"].split("//", 1)[1].split("@")[0]  # no password in the URL
    assert values["hub"]["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "senlab-postgres", "key": "jupyterhub-password"}


def test_the_command_line_check_passes_on_the_shipped_files(capsys):
    assert check.main() == 0
    assert "consistent" in capsys.readouterr().out
