"""What every generated Kubernetes object shares: the kustomization that lists them, and the
size limits an object must fit to apply at all.

A backend contributes objects (kubernetes/NAME.yaml) or a kustomization of its own beside the
files it generates objects from (grafana/kustomization.yaml: a configMapGenerator of the
dashboards' JSON), which the main kustomization lists as a folder.

Limits (bytes): a ConfigMap's or Secret's data may hold 1 MiB. A PrometheusRule has no limit in
the API, but prometheus-operator writes its spec as a rule file (Go's YAML: keys sorted, lines
folded at 80 columns) and refuses one over half that, 512 KiB (its MaxConfigMapDataSize): its
admission webhook rejects the object, and the operator itself skips it with a Warning event, so
without the webhook a category's alerts would be silently missing. Client-side apply (`kubectl
apply`, Argo CD's default) stores the whole object as JSON in an annotation, and an object's
annotations may hold 262144 bytes; objects that grow with the
indicators therefore carry Argo CD's ServerSideApply option (conventions.SERVER_SIDE_APPLY),
which writes no such annotation, and any other object must fit that annotation."""

from __future__ import annotations

import json

from compiler import conventions, emit
from compiler.backends.outputs import Outputs
from compiler.backends.prometheus import RULE_FILE_LIMIT
from compiler.model import Spec
from compiler.problems import counted

KUSTOMIZATION = "kubernetes/kustomization.yaml"
DATA_LIMIT = 1_048_576
ANNOTATIONS_LIMIT = 262_144
NAMED = 3  # indicators named in a size error, biggest first


def kustomization(spec: Spec, objects: dict[str, dict]) -> dict:
    """Argo CD syncs the folder as is: every resource listed, all in the spec's namespace."""
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "namespace": spec.output.kubernetes.namespace,
            "resources": sorted(path.removeprefix("kubernetes/") if path.startswith("kubernetes/") else "../" + path.rpartition("/")[0]
                                for path in objects)}


def as_applied(objects: dict[str, dict], texts: dict[str, str]) -> list[tuple[str, dict, str]]:
    """(path, object, text) of each object the cluster will hold: a generated ConfigMap as
    kustomize builds it (named by the file it is made from)."""
    found = []
    for path, manifest in sorted(objects.items()):
        if manifest["kind"] != "Kustomization":
            found.append((path, manifest, texts[path]))
            continue
        folder, options = path.rpartition("/")[0], manifest.get("generatorOptions", {})
        for generator in manifest["configMapGenerator"]:
            files = [f"{folder}/{name}" for name in generator["files"]]
            configmap = {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": generator["name"], "namespace": manifest["namespace"],
                                      "labels": options.get("labels", {}), "annotations": options.get("annotations", {})},
                         "data": {file.rpartition("/")[2]: texts[file] for file in files}}
            found.append((files[0], configmap, texts[files[0]]))
    return found


def oversized(built: Outputs, objects: dict[str, dict], texts: dict[str, str], data_limit: int = DATA_LIMIT,
              rule_file_limit: int = RULE_FILE_LIMIT, annotations_limit: int = ANNOTATIONS_LIMIT) -> list[tuple[tuple, str]]:
    """(spec path, message) for each object over a limit; `texts` are the emitted files."""
    found = []
    for path, manifest, text in as_applied(objects, texts):
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        if kind == "PrometheusRule":
            if rules := rule_file_over(manifest, text, rule_file_limit):
                found.append(_finding(built, path, manifest, f"{path}: {kind} {name} is {_size(rules)} as the rule file "
                                      f"prometheus-operator writes of it, over the {_size(rule_file_limit)} it accepts"))
                continue
        elif (data := _data_size(manifest)) > data_limit:
            found.append(_finding(built, path, manifest, f"{path}: {kind} {name} holds {_size(data)} of data, over the "
                                  f"{_size(data_limit)} Kubernetes stores in one {kind}"))
            continue
        annotations = manifest["metadata"].get("annotations") or {}
        if not conventions.SERVER_SIDE_APPLY.items() <= annotations.items():
            applied = len(json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode())
            if applied > annotations_limit:
                found.append(_finding(built, path, manifest, f"{path}: {kind} {name} is {_size(applied)} as JSON, over the "
                                      f"{_size(annotations_limit)} annotation client-side apply writes"))
    return found


def _data_size(manifest: dict) -> int:
    values = {**(manifest.get("data") or {}), **(manifest.get("stringData") or {})}
    return sum(len(value.encode()) for value in values.values())


def rule_file_over(manifest: dict, text: str, limit: int) -> int | None:
    """The bytes of the rule file prometheus-operator writes of a PrometheusRule (its spec, by Go's
    YAML) when they are over `limit`. Go's YAML writes the spec at most 1.2 times the bytes of our
    whole object (`text`, as emitted): it folds a line past 80 columns onto one indented two past
    its key (at most 8 spaces in a rule file), and quotes a bare y or n, which the two spaces more
    our object indents each line by make up for. So only an object that could be near the limit is
    written again (none at 10,000 indicators: the biggest is 192 KiB)."""
    if len(text.encode()) * 6 // 5 <= limit:
        return None
    size = len(emit.go_yaml_text(manifest["spec"]).encode())
    return size if size > limit else None


def _finding(built: Outputs, path: str, manifest: dict, message: str) -> tuple[tuple, str]:
    """Located at what makes the object big: its category, naming its biggest indicators."""
    spec = built.spec
    sizes = _indicator_sizes(built, manifest)
    if not sizes:
        where = ("scorecard",) if manifest["kind"] == "PrometheusRule" else ("output", "kubernetes")
        return where, f"{message}; split the spec into several specs, each compiled into its own output folder"
    biggest = sorted(sizes, key=lambda indicator_id: (-sizes[indicator_id], indicator_id))
    category = next(i.category for i in spec.indicators if i.id == biggest[0])
    named = ", ".join(f"{indicator_id} ({_size(sizes[indicator_id])})" for indicator_id in biggest[:NAMED])
    make = "makes" if len(sizes) == 1 else "make"
    return ("categories", category), (f"{message}; its {counted(len(sizes), 'indicator')} of category '{category}' {make} it, "
                                      f"the biggest {named}: move some to another category, or split the spec")


def _indicator_sizes(built: Outputs, manifest: dict) -> dict[str, int]:
    """The bytes each indicator contributes: its rules to a PrometheusRule, its panel to a dashboard."""
    spec = built.spec
    if manifest["kind"] == "PrometheusRule":
        groups = {group["name"] for group in manifest["spec"]["groups"]}
        held = {rule.indicator for group in built.rules.groups() if group.name in groups for rule in group.rules if rule.indicator}
        return {indicator.id: len(json.dumps([rule.data() for rule in built.rules.of(indicator.id)]))
                for indicator in spec.indicators if indicator.id in held}
    if manifest["kind"] == "ConfigMap":
        (board,) = (json.loads(text) for text in manifest["data"].values())
        panels = {panel["id"]: len(json.dumps(panel)) for panel in board["panels"]}
        shown = [indicator for indicator in spec.indicators  # none on the overview, which has no indicator panels of its own
                 if conventions.category_uid(spec, indicator.category, built.dashboard_parts[indicator.id]) == board["uid"]]
        ids = {category: conventions.panel_ids(spec, category) for category in {indicator.category for indicator in shown}}
        return {indicator.id: panels[ids[indicator.category][indicator.id]] for indicator in shown}
    return {}


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 10_240 else f"{count / 1024:,.0f} KiB"
