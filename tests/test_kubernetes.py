"""generated/kubernetes/ is a folder Argo CD can sync as is: every object validates against its
API (Kubernetes' own OpenAPI schemas through kubernetes-validate; prometheus-operator's
PrometheusRule CRD shape), names and labels have Kubernetes syntax, the kustomization lists
exactly the objects in the folder and `kubectl kustomize` builds it, and an object too big to
apply fails the compile at the category that makes it big."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from compiler import backends, emit, loader, pipeline
from compiler.backends import kubernetes
from conftest import HEADER, INDICATOR, ROOT, spec_text
from servers import binary

KUBERNETES_VERSION = "1.30"
FOLDERS = [ROOT / "generated" / "kubernetes"] + sorted(p for p in (ROOT / "tests" / "golden").glob("*/expected/kubernetes"))
OBJECTS = [path for folder in FOLDERS for path in sorted(folder.glob("*.yaml")) if path.name != "kustomization.yaml"]
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
DURATION = r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"

# prometheus-operator's PrometheusRule (monitoring.coreos.com/v1): the CRD's schema for the fields we emit.
PROMETHEUS_RULE = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PrometheusRule"},
        "spec": {"type": "object", "additionalProperties": False, "properties": {"groups": {"type": "array", "items": {
            "type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1}, "interval": {"type": "string", "pattern": DURATION},
                "limit": {"type": "integer"}, "partial_response_strategy": {"type": "string"},
                "rules": {"type": "array", "items": {
                    "type": "object", "required": ["expr"], "additionalProperties": False,
                    "properties": {
                        "record": {"type": "string"}, "alert": {"type": "string"},
                        "expr": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "for": {"type": "string", "pattern": DURATION}, "keep_firing_for": {"type": "string", "pattern": DURATION},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
                }},
            }}}}},
    },
}


def test_there_are_objects_to_check():
    kinds = {yaml.safe_load(path.read_text())["kind"] for path in OBJECTS}
    assert kinds == {"ConfigMap", "Secret", "PrometheusRule"}


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_object_validates_against_its_api(path):
    document = yaml.safe_load(path.read_text())
    if document["kind"] == "PrometheusRule":
        jsonschema.validate(document, PROMETHEUS_RULE)
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_names_labels_and_annotations_have_kubernetes_syntax(path):
    metadata = yaml.safe_load(path.read_text())["metadata"]
    assert DNS_SUBDOMAIN.match(metadata["name"]) and len(metadata["name"]) <= 253
    assert DNS_LABEL.match(metadata["namespace"]) and len(metadata["namespace"]) <= 63
    for key, value in (metadata.get("labels") or {}).items():
        assert LABEL_KEY.match(key) and LABEL_VALUE.match(value) and len(value) <= 63, (key, value)
    for key in metadata.get("annotations") or {}:
        assert LABEL_KEY.match(key), key


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_each_object_fits_in_etcd_and_large_ones_use_server_side_apply(path):
    size = len(path.read_bytes())
    assert size < 1024 * 1024
    if size > 262144:  # client-side apply's last-applied annotation cannot hold it
        annotations = yaml.safe_load(path.read_text())["metadata"].get("annotations") or {}
        assert "ServerSideApply=true" in annotations.get("argocd.argoproj.io/sync-options", "")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.parent.name)
def test_the_kustomization_lists_exactly_the_objects_in_the_folder(folder):
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert (kustomization["apiVersion"], kustomization["kind"]) == ("kustomize.config.k8s.io/v1beta1", "Kustomization")
    assert DNS_LABEL.match(kustomization["namespace"])
    assert kustomization["resources"] == sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.parent.name)
def test_kubectl_kustomize_builds_the_folder_into_exactly_its_objects(folder):
    built = subprocess.run([binary("kubectl"), "kustomize", str(folder)], capture_output=True, text=True, check=True, timeout=120)
    objects = [yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yaml")) if path.name != "kustomization.yaml"]
    assert sorted((d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) for d in yaml.safe_load_all(built.stdout)) == \
        sorted((d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) for d in objects)


# Size limits, measured as Kubernetes measures them (independently of the compiler's code).
def data_bytes(manifest: dict, text: str) -> int:
    return sum(len(value.encode()) for value in {**manifest.get("data", {}), **manifest.get("stringData", {})}.values())


def rule_file_bytes(manifest: dict, text: str) -> int:
    return len(text.encode())


def applied_bytes(manifest: dict, text: str) -> int:
    return len(json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode())


def objects_of(text: str):
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    built = backends.outputs(spec)
    files = backends.render(built)
    return built, files, emit.emit(files, spec.sources)


# (case, object, limit, how it is measured, where the error is located, what it names)
LIMITS = [
    ("a dashboard ConfigMap's data", "kubernetes/grafana-dashboard-shop-platform-health.yaml", "data_limit", data_bytes,
     "categories.platform_health", "its 1 indicators of category 'platform_health' make it, the biggest queue ("),
    ("a category's PrometheusRule, as the operator's ConfigMap holds it", "kubernetes/shop-platform-health-prometheusrule.yaml",
     "data_limit", rule_file_bytes, "categories.platform_health", "the biggest queue ("),
    ("the scorecard's PrometheusRule", "kubernetes/shop-scorecard-prometheusrule.yaml", "data_limit", rule_file_bytes,
     "scorecard", "split the spec"),
    ("the Alertmanager Secret's data", "kubernetes/alertmanager-shop-secret.yaml", "data_limit", data_bytes,
     "output.kubernetes", "split the spec"),
    ("the Alertmanager Secret, applied client-side", "kubernetes/alertmanager-shop-secret.yaml", "annotations_limit", applied_bytes,
     "output.kubernetes", "annotation client-side apply writes"),
]


@pytest.mark.parametrize(("path", "limit", "measure", "where", "named"), [c[1:] for c in LIMITS], ids=[c[0] for c in LIMITS])
def test_an_object_just_over_its_size_limit_is_an_error_located_at_what_makes_it_big(path, limit, measure, where, named):
    built, files, texts = objects_of(spec_text())
    size = measure(files[path], texts[path])
    assert kubernetes.oversized(built, {path: files[path]}, texts, **{limit: size}) == []
    ((found, message),) = kubernetes.oversized(built, {path: files[path]}, texts, **{limit: size - 1})
    assert (loader.dotted(found), message.startswith(f"{path}: ")) == (where, True)
    assert named in message, message


def test_objects_applied_server_side_need_not_fit_the_client_side_annotation():
    built, files, texts = objects_of(spec_text())
    grown = {path: data for path, data in files.items() if path.endswith("prometheusrule.yaml") or "grafana-dashboard" in path}
    assert len(grown) == 4 and all(data["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "ServerSideApply=true"
                                   for data in grown.values())
    assert kubernetes.oversized(built, grown, texts, annotations_limit=0) == []


def test_a_category_too_big_for_kubernetes_fails_the_compile_naming_its_biggest_indicators(cli):
    # 60 indicators whose definitions (in every alert's description and panel's) grow with k
    one = INDICATOR.split("indicators:\n")[1]
    text = HEADER + "indicators:\n" + "".join(
        one.replace("id: queue", f"id: queue_{k}").replace("Queue Depth", f"Queue {k}")
        .replace("definition: Jobs waiting.", "definition: " + "Jobs waiting. " * (1000 + 10 * k)) for k in range(60))
    Path("indicators.yaml").write_text(text)
    result = cli("generate")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "categories.platform_health:" in line]
    assert len(errors) == 2, result.output
    assert "ConfigMap grafana-dashboard-shop-platform-health holds 1,204 KiB of data, over the 1,024 KiB Kubernetes stores in one ConfigMap" in errors[0]
    assert ("PrometheusRule shop-platform-health holds 2,272 KiB of data, over the 1,024 KiB Kubernetes stores in the ConfigMap "
            "prometheus-operator copies it into") in errors[1]
    for line in errors:
        assert line.startswith("indicators.yaml:6:5: categories.platform_health: kubernetes/")
        assert "its 60 indicators of category 'platform_health' make it, the biggest queue_59 (" in line
        assert ", queue_58 (" in line and ", queue_57 (" in line
    assert result.output.endswith("error: indicators.yaml: 2 errors; nothing was written\n")
    assert not Path("generated").exists()


def test_the_kube_prometheus_stack_example_values_select_every_object_the_readmes_output_section_generates(cli):
    (output,) = re.findall(r"```yaml\n# indicators.yaml, for a release named kube-prometheus-stack\n(output:\n.*?)```",
                           (ROOT / "README.md").read_text(), re.S)
    values = yaml.safe_load((ROOT / "examples" / "kube-prometheus-stack-values.yaml").read_text())
    Path("indicators.yaml").write_text(HEADER[:HEADER.index("output: {")] + output + INDICATOR)
    result = cli("generate")
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    objects = [yaml.safe_load(path.read_text()) for path in sorted(Path("generated/kubernetes").glob("*.yaml"))
               if path.name != "kustomization.yaml"]
    by_kind = {kind: [o for o in objects if o["kind"] == kind] for kind in ("PrometheusRule", "Secret", "ConfigMap")}
    selector = values["prometheus"]["prometheusSpec"]["ruleSelector"]["matchLabels"]
    assert by_kind["PrometheusRule"] and all(selector.items() <= rule["metadata"]["labels"].items() for rule in by_kind["PrometheusRule"])
    manager = values["alertmanager"]["alertmanagerSpec"]
    assert manager["useExistingSecret"] is True
    assert [(s["metadata"]["name"], list(s["stringData"])) for s in by_kind["Secret"]] == [(manager["configSecret"], ["alertmanager.yaml"])]
    sidecar = values["grafana"]["sidecar"]["dashboards"]
    assert by_kind["ConfigMap"] and all(c["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"]
                                        and c["metadata"]["annotations"][sidecar["folderAnnotation"]] == "MLOps"
                                        for c in by_kind["ConfigMap"])
