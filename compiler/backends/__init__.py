"""The output backends, registered in one place. Each takes the Outputs (the model and the
values built from it once: the rule plan) and returns {relative path: plain data}; none of
them writes files or formats text.

A backend may also contribute Kubernetes objects (PrometheusRules, the Alertmanager Secret) or a
kustomization generating them (the dashboards' ConfigMaps); those are emitted when the `kubernetes` target is on, listed in a
kustomization and checked against Kubernetes' size limits once emitted (backends.kubernetes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compiler.backends import alertmanager, docs, grafana, instrumentation, kubernetes, prometheus
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import lint as prometheus_lint
from compiler.backends.prometheus import unit_tests as prometheus_unit_tests
from compiler.backends.prometheus.plan import Plan
from compiler.model import Spec

Render = Callable[[Outputs], dict[str, object]]
Objects = Callable[[Outputs], dict[str, dict]]  # {path: Kubernetes object}
Lint = Callable[[Outputs], list[tuple[tuple, str]]]  # (spec path, message) per problem found in the output


@dataclass(frozen=True)
class Backend:
    target: str
    render: Render
    kubernetes: Objects | None = None
    lint: Lint | None = None


BACKENDS: tuple[Backend, ...] = (
    Backend("docs", docs.render),
    Backend("prometheus", prometheus.render, prometheus.kubernetes, prometheus_lint.lint),
    Backend("prometheus", prometheus_unit_tests.render),  # promtool unit tests of those rules
    Backend("grafana", grafana.render, grafana.kubernetes),
    Backend("alertmanager", alertmanager.render, alertmanager.kubernetes),
    Backend("instrumentation", instrumentation.render, lint=instrumentation.lint),  # the producing side: a module services import
)


def outputs(spec: Spec) -> Outputs:
    """The values the enabled backends render from, each built once."""
    targets = spec.output.targets
    # first the dashboards: the alerts link to the part of a big category's dashboard holding their panel
    boards, parts = grafana.dashboards(spec) if "grafana" in targets else ({}, {})
    return Outputs(spec, prometheus.build(spec, parts) if "prometheus" in targets else Plan(()), boards, parts,
                   alertmanager.config(spec) if "alertmanager" in targets else {})


def kubernetes_objects(built: Outputs) -> dict[str, dict]:
    """{path: object} of the enabled backends' Kubernetes objects; none without the target."""
    targets = built.spec.output.targets
    if "kubernetes" not in targets:
        return {}
    return {path: manifest for backend in BACKENDS if backend.kubernetes is not None and backend.target in targets
            for path, manifest in backend.kubernetes(built).items()}


def render(built: Outputs) -> dict[str, object]:
    spec = built.spec
    files: dict[str, object] = {}
    for backend in BACKENDS:
        if backend.target in spec.output.targets:
            files.update(backend.render(built))
    if objects := kubernetes_objects(built):
        files.update(objects)
        files[kubernetes.KUSTOMIZATION] = kubernetes.kustomization(spec, objects)
    return files


def sized(built: Outputs) -> dict[str, object]:
    """What the size check (oversized) reads, and no more: the Kubernetes objects, and the files
    a kustomization generates objects from. `validate` renders this instead of every file."""
    objects = kubernetes_objects(built)
    generated = {f"{path.rpartition('/')[0]}/{file}" for path, manifest in objects.items() if manifest["kind"] == "Kustomization"
                 for entry in manifest["configMapGenerator"] for file in entry["files"]}
    sources = {path: data for backend in BACKENDS if backend.kubernetes is not None and backend.target in built.spec.output.targets
               and any(path.startswith(backend.target + "/") for path in generated)
               for path, data in backend.render(built).items() if path in generated}
    return {**objects, **sources}


def oversized(built: Outputs, files: dict[str, object], texts: dict[str, str]) -> list[tuple[tuple, str]]:
    """Kubernetes objects among the rendered `files` that are too big to apply, located in the spec."""
    objects = {path: data for path, data in files.items() if isinstance(data, dict)
               and path != kubernetes.KUSTOMIZATION and (path.startswith("kubernetes/") or path.endswith("/kustomization.yaml"))}
    return kubernetes.oversized(built, objects, texts)


def lint(built: Outputs) -> list[tuple[tuple, str]]:
    """Problems the enabled backends find in what they would generate, located in the spec."""
    return [finding for backend in BACKENDS if backend.lint is not None and backend.target in built.spec.output.targets
            for finding in backend.lint(built)]
