"""The backend registry: targets switch backends on and off, and every Kubernetes object any
backend contributes is listed in one kustomization that Argo CD can sync as is."""

from __future__ import annotations


from compiler import backends, pipeline
from conftest import spec_text


def model(targets: str):
    text = spec_text().replace("apiVersion: indicators/v1", f"apiVersion: indicators/v1\noutput: {{targets: {targets}}}")
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return spec


def with_extra_backend(monkeypatch):
    extra = backends.Backend("grafana", lambda spec: {"grafana/x.json": {}},
                             lambda spec: {"kubernetes/b.yaml": {}, "kubernetes/a.yaml": {}})
    monkeypatch.setattr(backends, "BACKENDS", backends.BACKENDS + (extra,))


def test_a_target_left_out_of_the_spec_renders_nothing(monkeypatch):
    with_extra_backend(monkeypatch)
    assert sorted(backends.render(model("[docs]"))) == ["docs/indicators.md"]


def test_kubernetes_objects_are_listed_in_one_kustomization_in_the_spec_namespace(monkeypatch):
    with_extra_backend(monkeypatch)
    files = backends.render(model("[docs, grafana, kubernetes]"))
    assert files[backends.KUSTOMIZATION] == {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                             "namespace": "monitoring", "resources": ["a.yaml", "b.yaml"]}


def test_without_the_kubernetes_target_no_objects_are_emitted(monkeypatch):
    with_extra_backend(monkeypatch)
    assert sorted(backends.render(model("[docs, grafana]"))) == ["docs/indicators.md", "grafana/x.json"]
