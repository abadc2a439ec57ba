"""Defaults that compile but break a deployment without a word: each left unset is a located
warning naming the setting. A value the spec states, even the default's, is the user's choice."""

from __future__ import annotations

import dataclasses

from compiler import conventions, spec_types
from compiler.loader import Document
from compiler.model import Spec
from compiler.problems import Finding

KUBERNETES = ("output", "kubernetes")


def check(document: Document, typed: spec_types.Spec, spec: Spec) -> list[Finding]:
    written = typed.output.written  # what the spec states, even the default's value
    targets = set(spec.output.targets)
    found: list[tuple[tuple, str, str]] = []  # (path, message, hint)
    if "grafana_url" not in written and targets & {"prometheus", "grafana"}:
        found.append((("output", "grafana_url"),
                      f"not set, so every alert's dashboard_url and every dashboard link opens {spec_types.DEFAULT_GRAFANA_URL}",
                      "set it to the address people open Grafana at, e.g. https://grafana.example.com"))
    if "kubernetes" in targets and "prometheus" in targets and "kubernetes.rule_labels" not in written:
        found.append((KUBERNETES + ("rule_labels",),
                      "not set, so the PrometheusRules carry no labels and a Prometheus "
                      "whose ruleSelector wants some (kube-prometheus-stack: release: <release>) never loads them",
                      "set your Prometheus' ruleSelector labels, e.g. {release: kube-prometheus-stack}; {} if it selects every PrometheusRule"))
    if "kubernetes" in targets and "alertmanager" in targets and "kubernetes.alertmanager" not in written:
        secret = conventions.alertmanager_secret(spec)
        found.append((KUBERNETES + ("alertmanager",),
                      f"not set, so the config goes into the Secret {secret}, which kube-prometheus "
                      "ships itself: two owners would overwrite each other's Alertmanager configuration",
                      "name your own, e.g. alertmanager: mlops, and point the Alertmanager at alertmanager-mlops "
                      "(kube-prometheus-stack: alertmanager.alertmanagerSpec.configSecret with useExistingSecret: true)"))
    return [dataclasses.replace(document.problem(path, message, hint), severity="warning") for path, message, hint in found]
