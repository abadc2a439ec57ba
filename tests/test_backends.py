"""The backend registry: targets switch backends on and off, and every Kubernetes object any
backend contributes is listed in one kustomization that Argo CD can sync as is."""

from __future__ import annotations

from conftest import spec_text, with_output

from compiler import backends, pipeline


def render(targets: str) -> dict[str, object]:
    text = with_output(spec_text(), f"targets: {targets}")
    spec, _ = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return backends.render(backends.outputs(spec))


def test_a_target_left_out_of_the_spec_renders_nothing():
    assert sorted(render("[docs]")) == ["docs/indicators.md"]


def test_kubernetes_objects_are_listed_in_one_kustomization_in_the_spec_namespace():
    files = render("[grafana, alertmanager, kubernetes]")
    objects = sorted(path.removeprefix("kubernetes/") for path in files
                     if path.startswith("kubernetes/") and path != backends.kubernetes.KUSTOMIZATION)
    assert any(name.startswith("alertmanager-") for name in objects)
    assert files[backends.kubernetes.KUSTOMIZATION] == {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                             "namespace": "monitoring", "resources": ["../grafana", *objects]}
    assert files[backends.grafana.KUSTOMIZATION]["configMapGenerator"]  # the dashboards' ConfigMaps, from their JSON files


def test_without_the_kubernetes_target_no_objects_are_emitted():
    assert not [path for path in render("[grafana, alertmanager]") if path.startswith("kubernetes/")]
