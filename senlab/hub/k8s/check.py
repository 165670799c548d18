"""Check SenLab's Kubernetes files without a cluster: `python -m senlab.hub.k8s.check`.

- `hub_config/k8s/values.yaml` against the Zero to JupyterHub chart's values schema
  (`hub_config/k8s/schema/`), as `helm lint` would; each error names the file and the key
  path (`hub.extraEnvv`).
- Every manifest beside it: YAML documents, each with apiVersion, kind and metadata.name,
  and no field that the Kubernetes API does not have (checked against the models of the
  `kubernetes` client, a dev dependency), nor a field of the wrong shape. The Kubernetes
  objects inside values.yaml (volumes, mounts, network rules, env sources) are checked too.
- Every Dockerfile in `docker/`: a base image pinned to a version, COPY sources that exist
  in the build context (the repository root) and are not ignored, and an install of the
  repository's own package.

Prints one line per problem and exits with status 1 if there is any.
"""

from __future__ import annotations

import copy
import fnmatch
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

from senlab.settings import REPO_ROOT

K8S_DIR = REPO_ROOT / "hub_config" / "k8s"
SCHEMA_PATH = K8S_DIR / "schema" / "z2jh-values.schema.yaml"
VALUES_PATH = K8S_DIR / "values.yaml"
NOT_MANIFESTS = {"values.yaml", "kustomization.yaml"}


class CheckError(ValueError):
    """A file that cannot be read as what it should be."""


def load_documents(path: Path) -> list:
    """All YAML documents of a file (empty ones dropped); a clear error if it is not YAML."""
    try:
        return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    except yaml.YAMLError as error:
        raise CheckError(f"{path.name}: not valid YAML: {error}") from error


def manifest_paths(folder: Path = K8S_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_MANIFESTS)


# -- values ------------------------------------------------------------------------------
def without_required(schema: dict) -> dict:
    """The schema less its `required` lists.

    Helm validates our values merged over the chart's own defaults, which supply every
    required key; our file holds only what differs. Types, enums and unknown keys are
    still checked everywhere.
    """
    stripped = copy.deepcopy(schema)

    def strip(node) -> None:
        if isinstance(node, dict):
            node.pop("required", None)
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(stripped)
    return stripped


def key_path(parts: Iterable) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error) -> list[str]:
    """One message per problem, each naming the key path it is at."""
    where = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        unknown = sorted(key for key in error.instance if key not in known
                         and not any(re.search(pattern, key) for pattern in patterns))
        return [f"{key_path([*where, key])}: unknown key, not in the chart's values schema"
                for key in unknown]
    return [f"{key_path(where) or '(top level)'}: {error.message}"]


def values_errors(values, schema: dict, *, source: str = "values.yaml") -> list[str]:
    """Problems of a values document against the chart's schema, as `file: key.path: why`."""
    validator = Draft7Validator(without_required(schema))
    errors = sorted(validator.iter_errors(values), key=lambda e: [str(p) for p in e.path])
    return [f"{source}: {message}" for error in errors for message in describe(error)]


# -- manifests ---------------------------------------------------------------------------
def manifest_errors(path: Path) -> list[str]:
    """Each document needs apiVersion, kind and metadata.name, the least kubectl accepts."""
    try:
        documents = load_documents(path)
    except CheckError as error:
        return [str(error)]
    if not documents:
        return [f"{path.name}: no YAML documents"]
    problems = []
    for number, doc in enumerate(documents, start=1):
        where = f"{path.name}, document {number}"
        if not isinstance(doc, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where += f" ({doc.get('kind', '?')})"
        for field in ("apiVersion", "kind"):
            if not isinstance(doc.get(field), str) or not doc[field]:
                problems.append(f"{where}: {field} is missing")
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
            problems.append(f"{where}: metadata.name is missing")
        if doc.get("apiVersion") and doc.get("kind"):
            problems += api_errors(doc, where)
    return problems


# -- Kubernetes API fields --------------------------------------------------------------
def _client():
    # Imported on first use: `kubernetes` is a dev dependency, and takes a second to load.
    try:
        from kubernetes import client
    except ImportError as error:
        raise CheckError("checking fields needs the `kubernetes` package (the dev extra)") \
            from error
    return client


def model_for(api_version: str, kind: str):
    """The `kubernetes` client's model of a kind (`apps/v1` Deployment -> V1Deployment)."""
    version = api_version.rsplit("/", 1)[-1]
    model = getattr(_client(), f"{version[0].upper()}{version[1:]}{kind}", None)
    if model is None:
        raise CheckError(f"{api_version} {kind}: not a kind the Kubernetes API has")
    return model


def field_errors(data, type_name: str, where: str) -> list[str]:
    """Unknown fields and wrong shapes in `data`, read as the API type `type_name`."""
    if type_name.startswith("List["):
        if not isinstance(data, list):
            return [f"{where}: should be a list"]
        return [e for i, item in enumerate(data) for e in
                field_errors(item, type_name[5:-1], f"{where}[{i}]")]
    if type_name.startswith("Dict["):
        if not isinstance(data, dict):
            return [f"{where}: should be a mapping"]
        value_type = type_name[5:-1].split(", ", 1)[1]
        return [e for key, value in data.items()
                for e in field_errors(value, value_type, f"{where}.{key}")]
    scalars: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "bool": bool,
                                                   "float": (int, float)}
    if type_name in scalars:
        wanted = scalars[type_name]
        ok = isinstance(data, wanted) and not (type_name == "int" and isinstance(data, bool))
        return [] if ok else [f"{where}: should be {type_name}, not {data!r}"]
    model = getattr(_client(), type_name, None)
    if model is None:  # `object` (int-or-string, quantities), datetimes: any scalar
        return []
    if not isinstance(data, dict):
        return [f"{where}: should be a mapping ({type_name})"]
    fields = {json_key: model.openapi_types[attr] for attr, json_key in
              model.attribute_map.items()}
    problems = []
    for key, value in data.items():
        if key not in fields:
            problems.append(f"{where}.{key}: not a field of {type_name}")
        else:
            problems += field_errors(value, fields[key], f"{where}.{key}")
    return problems


def api_errors(doc: dict, where: str) -> list[str]:
    try:
        model = model_for(doc["apiVersion"], doc["kind"])
    except CheckError as error:
        return [f"{where}: {error}"]
    return field_errors(doc, model.__name__, where)


VALUES_OBJECTS = {
    "hub.extraVolumes": "List[V1Volume]",
    "hub.extraVolumeMounts": "List[V1VolumeMount]",
    "hub.networkPolicy.egress": "List[V1NetworkPolicyEgressRule]",
    "proxy.chp.networkPolicy.egress": "List[V1NetworkPolicyEgressRule]",
    "singleuser.networkPolicy.egress": "List[V1NetworkPolicyEgressRule]",
}


def values_object_errors(values: dict, *, source: str = "values.yaml") -> list[str]:
    """The Kubernetes objects the chart passes through from the values."""
    problems = []
    for dotted, type_name in VALUES_OBJECTS.items():
        node = values
        for part in dotted.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if node:
            problems += field_errors(node, type_name, f"{source}: {dotted}")
    for section in ("hub", "singleuser"):
        for name, value in values.get(section, {}).get("extraEnv", {}).items():
            if isinstance(value, dict):
                problems += field_errors({"name": name, **value}, "V1EnvVar",
                                         f"{source}: {section}.extraEnv.{name}")
    return problems


# -- Dockerfiles -------------------------------------------------------------------------
def dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments), continuation lines joined."""
    instructions: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append((start, keyword.upper(), arguments.strip()))
    return instructions


def ignore_patterns(dockerfile: Path) -> list[str]:
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.exists():
        return []
    lines = (line.strip() for line in ignore.read_text().splitlines())
    return [line.rstrip("/") for line in lines if line and not line.startswith("#")]


def is_ignored(source: str, patterns: list[str]) -> bool:
    top = source.strip("./").split("/")[0]
    return any(fnmatch.fnmatch(source.strip("./"), p) or fnmatch.fnmatch(top, p)
               for p in patterns)


def pinned(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag != "latest" and any(c.isdigit() for c in tag)


def dockerfile_errors(path: Path, context: Path = REPO_ROOT) -> list[str]:
    """Base images pinned, COPY sources present and not ignored, the package installed."""
    where = f"{path.relative_to(context) if path.is_relative_to(context) else path}"
    args: dict[str, str] = {}
    patterns = ignore_patterns(path)
    problems: list[str] = []
    installs_package = False
    for line, keyword, arguments in dockerfile_instructions(path.read_text()):
        if keyword == "ARG" and "=" in arguments:
            name, _, default = arguments.partition("=")
            args[name.strip()] = default.strip()
        elif keyword == "FROM":
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)),
                           arguments.split()[0])
            if not pinned(image):
                problems.append(f"{where} line {line}: base image {image!r} is not pinned "
                                "to a version")
        elif keyword in {"COPY", "ADD"}:
            words = [w for w in arguments.split() if not w.startswith("--")]
            if any(w.startswith("--from") for w in arguments.split()):
                continue
            for source in words[:-1]:
                if not list(context.glob(source.strip("./") or ".")):
                    problems.append(f"{where} line {line}: {keyword} source {source!r} does "
                                    f"not exist in the build context ({context})")
                elif is_ignored(source, patterns):
                    problems.append(f"{where} line {line}: {keyword} source {source!r} is "
                                    f"excluded by {path.name}.dockerignore")
        elif keyword == "RUN" and re.search(r"pip install\b[^&|;]*\s(--editable\s+)?\.(\s|$)",
                                            arguments):
            installs_package = True
    if not installs_package:
        problems.append(f"{where}: no RUN pip install of the repository's package (.)")
    return problems


# -- all ---------------------------------------------------------------------------------
def all_errors() -> list[str]:
    schema = load_documents(SCHEMA_PATH)[0]
    values = load_documents(VALUES_PATH)[0]
    problems = values_errors(values, schema) + values_object_errors(values)
    for path in manifest_paths():
        problems += manifest_errors(path)
    for path in sorted((REPO_ROOT / "docker").glob("*.Dockerfile")):
        problems += dockerfile_errors(path)
    return problems


def main() -> int:
    try:
        problems = all_errors()
    except CheckError as error:
        problems = [str(error)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("hub_config/k8s: values, manifests and Dockerfiles are consistent")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
