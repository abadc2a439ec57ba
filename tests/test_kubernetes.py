"""generated/kubernetes/ is a folder Argo CD can sync as is: every object validates against its
API (Kubernetes' own OpenAPI schemas through kubernetes-validate; prometheus-operator's
PrometheusRule CRD shape), names and labels have Kubernetes syntax, and the kustomization
lists exactly the objects in the folder."""

from __future__ import annotations

import re

import jsonschema
import kubernetes_validate
import pytest
import yaml

from conftest import ROOT

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
