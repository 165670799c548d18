"""The manifests beside the values: well-formed, wired to each other, pinned and safe."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from senlab.grading import k8s as grading_jobs
from senlab.hub.k8s import check
from senlab.hub.k8s import config as k8s

SITE = Path(__file__).resolve().parents[3] / "site"


def pod_specs(resources):
    """(kind/name, pod spec) of every workload."""
    for (kind, name), doc in resources.items():
        if kind in {"Deployment", "StatefulSet", "Job"}:
            yield f"{kind}/{name}", doc["spec"]["template"]["spec"]


def containers(resources):
    for where, spec in pod_specs(resources):
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield where, container


def test_every_manifest_document_has_api_version_kind_and_name():
    paths = check.manifest_paths()
    assert {p.name for p in paths} >= {"storage.yaml", "postgres.yaml", "broker.yaml",
                                       "services.yaml", "grading-job.yaml"}
    for path in paths:
        assert check.manifest_errors(path) == [], path.name


def test_a_document_without_a_name_is_reported_by_file_and_number(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: ok\n---\n"
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\n- a list\n")
    assert check.manifest_errors(bad) == [
        "bad.yaml, document 2 (ConfigMap): metadata.name is missing",
        "bad.yaml, document 3: not a mapping",
    ]


def test_the_kustomization_applies_every_manifest_but_the_on_demand_job():
    kustomization = yaml.safe_load((check.K8S_DIR / "kustomization.yaml").read_text())
    expected = {p.name for p in check.manifest_paths()} - {"grading-job.yaml"}
    assert set(kustomization["resources"]) == expected


def test_every_service_selects_a_pod_and_targets_a_named_port(resources):
    for (kind, name), service in resources.items():
        if kind != "Service":
            continue
        selector = service["spec"]["selector"]
        matches = [(where, spec) for (k, n), doc in resources.items()
                   if k in {"Deployment", "StatefulSet"}
                   for where, spec in [(f"{k}/{n}", doc["spec"]["template"]["spec"])]
                   if selector.items() <= doc["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matches) == 1, f"Service {name} selects {len(matches)} workloads"
        ports = {port["name"] for c in matches[0][1]["containers"] for port in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"Service {name}: {port['targetPort']}"


def test_workload_selectors_match_their_pod_labels(resources):
    for (kind, name), doc in resources.items():
        if kind in {"Deployment", "StatefulSet"}:
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), name


def test_every_claim_a_pod_mounts_is_defined(resources, values):
    claims = {name for (kind, name) in resources if kind == "PersistentVolumeClaim"}
    used = {volume["persistentVolumeClaim"]["claimName"]
            for _, spec in pod_specs(resources) for volume in spec.get("volumes", [])
            if "persistentVolumeClaim" in volume}
    used |= {volume["persistentVolumeClaim"]["claimName"]
             for volume in values["hub"]["extraVolumes"] if "persistentVolumeClaim" in volume}
    assert used and used <= claims
    assert resources[("PersistentVolumeClaim", "senlab-home")]["spec"]["accessModes"] == [
        "ReadWriteMany"]


def test_every_volume_mount_names_a_volume_of_its_pod(resources):
    for where, spec in pod_specs(resources):
        volumes = {volume["name"] for volume in spec.get("volumes", [])}
        volumes |= {t["metadata"]["name"] for t in
                    resources.get(tuple(where.split("/")), {}).get("spec", {})
                    .get("volumeClaimTemplates", [])}
        for container in spec["containers"]:
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{where} {container['name']}: {mount['name']}"


def test_every_image_is_pinned_to_a_version(resources):
    for where, container in containers(resources):
        assert check.pinned(container["image"]), f"{where} {container['name']}"


def test_no_container_asks_for_what_kubernetes_refuses(resources):
    # The API server rejects allowPrivilegeEscalation: false with CAP_SYS_ADMIN added.
    for where, container in containers(resources):
        context = container.get("securityContext", {})
        added = context.get("capabilities", {}).get("add", [])
        if "SYS_ADMIN" in added:
            assert context.get("allowPrivilegeEscalation") is not False, where


def test_only_the_graders_hold_sys_admin(resources):
    holders = {(where, container["name"]) for where, container in containers(resources)
               if "SYS_ADMIN" in container.get("securityContext", {})
               .get("capabilities", {}).get("add", [])}
    assert holders == {("Job/senlab-grading-batch", "grader")}  # short-lived batch pods


def referenced_secret_keys(resources, values) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}

    def visit(node):
        if isinstance(node, dict):
            ref = node.get("secretKeyRef")
            if ref:
                keys.setdefault(ref["name"], set()).add(ref["key"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(list(resources.values()))
    visit(values)
    return keys


def documented_secret_keys(page: Path) -> dict[str, set[str]]:
    """`kubectl create secret generic NAME --from-literal=KEY=...` lines of a docs page."""
    keys: dict[str, set[str]] = {}
    text = page.read_text().replace("\\\n", " ")
    for command in re.findall(r"kubectl[^\n]*create secret generic[^\n]*", text):
        name = re.search(r"generic\s+([\w-]+)", command).group(1)
        keys.setdefault(name, set()).update(re.findall(r"--from-literal=([\w-]+)=", command))
    return keys


def test_the_docs_create_every_secret_key_the_pods_read(resources, values):
    needed = referenced_secret_keys(resources, values)
    needed.setdefault("senlab-secrets", set()).update(
        token for token in (w.token for w in k8s.WORKLOADS.values()) if token)
    needed["senlab-secrets"] |= k8s.SECRET_FILES
    for page in ("kubernetes.md", "kubernetes.en.md"):
        documented = documented_secret_keys(SITE / page)
        for secret, keys in needed.items():
            optional = {"admin-token"}  # SENLAB_ADMIN_TOKEN is optional
            assert keys - optional <= documented.get(secret, set()), (page, secret)


def test_a_field_the_kubernetes_api_lacks_is_named_with_its_path(tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: x
          image: x:1.0
          env:
            - {name: PORT, value: 8101}
          volumeMounts:
            - {name: data, mountPath: /data, readOnlyy: true}
""")
    assert check.manifest_errors(bad) == [
        "typo.yaml, document 1 (Deployment).spec.template.spec.containers[0].env[0].value: "
        "should be str, not 8101",
        "typo.yaml, document 1 (Deployment).spec.template.spec.containers[0]"
        ".volumeMounts[0].readOnlyy: not a field of V1VolumeMount",
    ]


def test_an_unknown_kind_is_reported(tmp_path):
    bad = tmp_path / "kind.yaml"
    bad.write_text("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n")
    assert check.manifest_errors(bad) == [
        "kind.yaml, document 1 (Deploymnet): apps/v1 Deploymnet: not a kind the Kubernetes "
        "API has"]


def test_the_kubernetes_objects_inside_the_values_are_checked(values):
    assert check.values_object_errors(values) == []
    bad = yaml.safe_load(yaml.safe_dump(values))
    bad["hub"]["extraVolumes"][0]["persistentVolumeClaim"]["claim"] = "senlab-home"
    bad["hub"]["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretRef"] = {"name": "x"}
    assert check.values_object_errors(bad) == [
        "values.yaml: hub.extraVolumes[0].persistentVolumeClaim.claim: not a field of "
        "V1PersistentVolumeClaimVolumeSource",
        "values.yaml: hub.extraEnv.PGPASSWORD.valueFrom.secretRef: not a field of "
        "V1EnvVarSource",
    ]


def test_the_services_pod_may_reach_the_hubs_api(resources):
    # The progress service resolves tokens at the hub; the chart's hub NetworkPolicy
    # admits only pods with this label.
    labels = resources[("Deployment", "senlab-services")]["spec"]["template"]["metadata"][
        "labels"]
    assert labels["hub.jupyter.org/network-access-hub"] == "true"


def test_network_policies_admit_each_client_of_each_pod(resources, values):
    def admitted(policy: str) -> list[dict]:
        rules = resources[("NetworkPolicy", policy)]["spec"]["ingress"]
        return [peer["podSelector"]["matchLabels"] for rule in rules for peer in rule["from"]]

    assert {"component": "singleuser-server"} in admitted("senlab-broker")
    assert {"app.kubernetes.io/name": "senlab-services"} in admitted("senlab-broker")
    assert {"component": "proxy"} in admitted("senlab-services")
    assert {"app.kubernetes.io/name": "senlab-grading"} in admitted("senlab-services")
    assert {"component": "hub"} in admitted("senlab-postgres")
    egress = values["singleuser"]["networkPolicy"]["egress"]
    assert {"app.kubernetes.io/name": "senlab-broker"} in [
        peer["podSelector"]["matchLabels"] for rule in egress for peer in rule["to"]]


def test_the_role_allows_exactly_what_the_dispatcher_does(resources):
    role = resources[("Role", "senlab-grader")]
    assert role["rules"] == [{"apiGroups": ["batch"], "resources": ["jobs"],
                              "verbs": ["create", "get", "list"]}]
    binding = resources[("RoleBinding", "senlab-grader")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "senlab-grader"}]


def test_only_the_grader_container_gets_the_service_account_token(resources):
    pod = resources[("Deployment", "senlab-services")]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "senlab-grader"
    assert pod["automountServiceAccountToken"] is False
    holders = {c["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])
               if m["mountPath"] == str(grading_jobs.SERVICE_ACCOUNT_DIR)}
    assert holders == {"grader"}
    grader = next(c for c in pod["containers"] if c["name"] == "grader")
    assert grader["command"] == ["python", "-m", "senlab.grading.k8s"]
    assert "SYS_ADMIN" not in str(grader.get("securityContext"))
