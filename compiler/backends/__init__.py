"""The output backends, registered in one place. Each takes the model and returns
{relative path: plain data}; none of them writes files or formats text.

A backend may also contribute Kubernetes objects (a PrometheusRule, dashboard ConfigMaps, the
Alertmanager Secret); those are emitted when the `kubernetes` target is on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from compiler.backends import alertmanager, docs, grafana, prometheus
from compiler.backends.prometheus import lint as prometheus_lint
from compiler.backends.prometheus import unit_tests as prometheus_unit_tests
from compiler.model import Spec

Render = Callable[[Spec], dict[str, object]]
Lint = Callable[[Spec], list[tuple[tuple, str]]]  # (spec path, message) per problem found in the output


@dataclass(frozen=True)
class Backend:
    target: str
    render: Render
    kubernetes: Render | None = None
    lint: Lint | None = None


BACKENDS: tuple[Backend, ...] = (
    Backend("docs", docs.render),
    Backend("prometheus", prometheus.render, prometheus.kubernetes, prometheus_lint.lint),
    Backend("prometheus", prometheus_unit_tests.render),  # promtool unit tests of those rules
    Backend("grafana", grafana.render, grafana.kubernetes),
    Backend("alertmanager", alertmanager.render, alertmanager.kubernetes),
)


KUSTOMIZATION = "kubernetes/kustomization.yaml"


def render(spec: Spec) -> dict[str, object]:
    files: dict[str, object] = {}
    for backend in BACKENDS:
        if backend.target in spec.output.targets:
            files.update(backend.render(spec))
            if backend.kubernetes is not None and "kubernetes" in spec.output.targets:
                files.update(backend.kubernetes(spec))
    resources = sorted(path.removeprefix("kubernetes/") for path in files if path.startswith("kubernetes/"))
    if resources:
        # Argo CD syncs the folder as is: every resource listed, all in the spec's namespace
        files[KUSTOMIZATION] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                                "namespace": spec.output.kubernetes.namespace, "resources": resources}
    return files


def lint(spec: Spec) -> list[tuple[tuple, str]]:
    """Problems the enabled backends find in what they would generate, located in the spec."""
    return [finding for backend in BACKENDS if backend.lint is not None and backend.target in spec.output.targets
            for finding in backend.lint(spec)]
