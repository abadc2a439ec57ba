"""The end-to-end harness itself: an exporter's series reach Prometheus, a rule fires, and
Alertmanager's notification reaches the webhook receiver."""

from __future__ import annotations

import pytest
import yaml

import servers

pytestmark = pytest.mark.e2e


def test_a_sample_travels_from_exporter_to_rule_to_notification(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "QueueTooDeep", "expr": "queue_depth > 10", "labels": {"level": "red"}}]}]}))
    catalogue = {"queue_depth": {"type": "gauge", "help": "Jobs waiting.", "labels": ["model"]}}
    with servers.webhook_receiver() as receiver, servers.exporter(catalogue) as source:
        config = tmp_path / "alertmanager.yaml"
        config.write_text(yaml.safe_dump({
            "route": {"receiver": "hook", "group_wait": "1s", "group_interval": "1s", "group_by": ["alertname"]},
            "receivers": [{"name": "hook", "webhook_configs": [{"url": receiver.url + "/hook"}]}],
        }))
        source.metrics["queue_depth"].labels(model="a").set(20)
        with servers.alertmanager(tmp_path, config) as am, \
                servers.prometheus(tmp_path, [rules], [source.target], am.url) as prom:
            servers.wait_until(lambda: servers.query(prom.url, "queue_depth"), 15, "the exporter was not scraped")
            alerts = servers.wait_until(lambda: receiver.alerts("/hook"), 30, "no notification arrived")
    assert alerts[0]["labels"] == {"alertname": "QueueTooDeep", "level": "red", "model": "a",
                                   "instance": source.target, "job": "exporter"}
