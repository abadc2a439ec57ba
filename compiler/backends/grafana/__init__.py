"""Grafana: an executive overview and one dashboard per category (or per part of a big one), as classic dashboard JSON
for file provisioning (with its provider config) and, for Kubernetes, a kustomization that
generates one ConfigMap per dashboard, for the Grafana sidecar, from those same JSON files.

Every panel reads recorded series named by `conventions`; every indicator's panel sits at the
id its alerts' `dashboard_url` opens."""

from __future__ import annotations

from compiler import conventions
from compiler.backends.grafana import category, overview
from compiler.backends.outputs import Outputs
from compiler.model import Category, Spec

DASHBOARDS = "grafana/dashboards"
KUSTOMIZATION = "grafana/kustomization.yaml"  # beside the dashboards: kustomize reads no file above its folder
PROVISIONING = "grafana/provisioning/dashboards.yaml"
MOUNT = "/var/lib/grafana/dashboards"  # where provisioning expects the dashboards folder
FOLDER_ANNOTATION = "grafana_folder"  # the sidecar's `folderAnnotation` (kube-prometheus-stack)


def shown(spec: Spec) -> list[Category]:
    """The categories that have indicators: each has a dashboard, and the overview shows them."""
    return [c for c in spec.categories if spec.members[c.id]]


def dashboards(spec: Spec) -> tuple[dict[str, dict], dict[str, int]]:
    """{uid: dashboard}: the overview, then each category that has indicators (a dashboard per
    part of one too big for a ConfigMap); and the part whose dashboard holds each indicator's panel."""
    categories = shown(spec)
    boards, parts = {}, {}
    for shown_category in categories:
        held, placed = category.render(spec, shown_category)
        boards.update({board["uid"]: board for board in held})
        parts.update(placed)
    return {conventions.overview_uid(spec): overview.render(spec, categories, parts), **boards}, parts


def render(built: Outputs) -> dict[str, object]:
    spec = built.spec
    files: dict[str, object] = {f"{DASHBOARDS}/{uid}.json": board for uid, board in built.dashboards.items()}
    files[PROVISIONING] = {"apiVersion": 1, "providers": [{
        "name": spec.name,
        "orgId": 1,
        "folder": spec.output.kubernetes.dashboard_folder,
        "type": "file",
        "disableDeletion": True,
        "allowUiUpdates": False,
        "updateIntervalSeconds": 60,
        "options": {"path": f"{MOUNT}/{spec.name}", "foldersFromFilesStructure": False},
    }]}
    return files


def kubernetes(built: Outputs) -> dict[str, dict]:
    """Kustomize's configMapGenerator makes one ConfigMap per dashboard from its JSON file, so no
    second copy of the dashboards is generated. One dashboard per object keeps each well under
    the 1 MiB data limit (checked in backends.kubernetes), and server-side apply avoids Argo CD's
    256 KiB last-applied annotation; names carry no hash suffix, so they stay what the sidecar knew."""
    spec = built.spec
    target = spec.output.kubernetes
    return {KUSTOMIZATION: {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": target.namespace,
        "generatorOptions": {
            "disableNameSuffixHash": True,
            "labels": {"grafana_dashboard": "1", "app.kubernetes.io/managed-by": "indicator-compiler",
                       "app.kubernetes.io/part-of": spec.name.replace("_", "-")},
            "annotations": {FOLDER_ANNOTATION: target.dashboard_folder, **conventions.SERVER_SIDE_APPLY},
        },
        "configMapGenerator": [{"name": f"grafana-dashboard-{uid.lower()}", "files": [f"dashboards/{uid}.json"]}
                               for uid in built.dashboards],
    }}
