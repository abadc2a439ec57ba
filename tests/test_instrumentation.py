"""The generated instrumentation module (backends/instrumentation): a service that imports it
exports every catalogue metric as the rules read it, and cannot export a label or a declared
label's value the catalogue lacks. End to end: tests/instrumentation/service.py imports the
module compiled from tests/instrumentation/spec.yaml, in its own process, and a real Prometheus
scraping it and running the compiled rules records every series the rules record, while
nothing fires in its healthy world."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
import servers
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from compiler import pipeline

HERE = Path(__file__).parent / "instrumentation"
SPEC = HERE / "spec.yaml"
MODULE = "instrumentation/shop_metrics.py"
HEALTHY = 15  # seconds the healthy world runs once scraped: past every `for` (2s) and no_data_for (5s)


@pytest.fixture(scope="module")
def compiled() -> pipeline.Compilation:
    return pipeline.compile_spec([(str(SPEC), SPEC.read_bytes())], SPEC.name)


@pytest.fixture(scope="module")
def shop_metrics(compiled, tmp_path_factory):
    path = tmp_path_factory.mktemp("module") / "shop_metrics.py"
    path.write_text(compiled.files[MODULE])
    spec = importlib.util.spec_from_file_location("shop_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exposed(build) -> list[str]:
    """The sample lines a registry serves after `build(registry)`, without _created."""
    registry = CollectorRegistry()
    build(registry)
    return [line.rsplit(" ", 1)[0] for line in generate_latest(registry).decode().splitlines()
            if not line.startswith("#") and "_created" not in line]


SERIES = [
  ("an initialised counter exists at 0 for every declared value and every known value of its other labels",
   lambda m, r: m.ShopRequestsTotal(r, model=["m1", "m2"]),
   ['shop_requests_total{model="m1",outcome="ok"}', 'shop_requests_total{model="m1",outcome="error"}',
    'shop_requests_total{model="m2",outcome="ok"}', 'shop_requests_total{model="m2",outcome="error"}']),
  ("an initialised histogram has the catalogue's buckets at 0 before its first observation",
   lambda m, r: m.ShopLatencySeconds(r, model=["m1"]),
   [f'shop_latency_seconds_bucket{{le="{bound}",model="m1"}}' for bound in ("0.05", "0.1", "0.5", "1.0", "+Inf")]
   + ['shop_latency_seconds_count{model="m1"}', 'shop_latency_seconds_sum{model="m1"}']),
  ("a labelled gauge exports nothing until it is set", lambda m, r: m.ShopQueueDepth(r), []),
  ("a gauge set and then removed exports nothing", lambda m, r: _set_and_remove(m.ShopQueueDepth(r)), []),
  ("a recorded event is the series the rules read", lambda m, r: m.ShopRequestsTotal(r, model=[]).inc(3, model="m1", outcome="error"),
   ['shop_requests_total{model="m1",outcome="error"}']),
]


def _set_and_remove(queue) -> None:
    queue.set(4, model="m1")
    queue.remove(model="m1")


@pytest.mark.parametrize(("build", "expected"), [case[1:] for case in SERIES], ids=[case[0] for case in SERIES])
def test_the_module_exports_the_series_the_catalogue_defines(shop_metrics, build, expected):
    assert sorted(exposed(lambda registry: build(shop_metrics, registry))) == sorted(expected)


MISTAKES = [
  ("a label the catalogue lacks is refused", lambda m: m.ShopRequestsTotal(CollectorRegistry(), model=[]).inc(model="m1", outcome="ok", code="200"),
   TypeError, "unexpected keyword argument 'code'"),
  ("a missing label is refused", lambda m: m.ShopRequestsTotal(CollectorRegistry(), model=[]).inc(model="m1"),
   TypeError, "missing 1 required keyword-only argument: 'outcome'"),
  ("a value the catalogue does not declare is refused", lambda m: m.ShopRequestsTotal(CollectorRegistry(), model=[]).inc(model="m1", outcome="err"),
   ValueError, "outcome='err' is not a value the catalogue declares (ok, error)"),
  ("an initialised metric needs the known values of its undeclared labels", lambda m: m.ShopRequestsTotal(CollectorRegistry()),
   TypeError, "missing 1 required keyword-only argument: 'model'"),
]


@pytest.mark.parametrize(("record", "error", "message"), [case[1:] for case in MISTAKES], ids=[case[0] for case in MISTAKES])
def test_the_module_refuses_what_the_catalogue_lacks(shop_metrics, record, error, message):
    with pytest.raises(error) as raised:
        record(shop_metrics)
    assert message in str(raised.value)


def test_the_module_defines_every_catalogue_metric_with_its_type_help_and_labels(compiled, shop_metrics):
    catalogue = yaml.safe_load(SPEC.read_text())["metrics"]
    defined = {cls.NAME: cls for cls in vars(shop_metrics).values() if isinstance(cls, type) and hasattr(cls, "NAME")}
    assert sorted(defined) == sorted(catalogue)
    for name, entry in catalogue.items():
        metric = defined[name](CollectorRegistry(), **({"model": []} if entry.get("initialised") else {})).metric
        assert (metric._type, metric._documentation, metric._labelnames) == (entry["type"], entry["help"], tuple(entry["labels"]))


def test_the_instrumentation_target_can_be_turned_off(compiled):
    text = SPEC.read_text().replace("targets: [prometheus, instrumentation]", "targets: [prometheus]")
    assert MODULE in compiled.files
    assert MODULE not in pipeline.compile_spec([(str(SPEC), text.encode())], SPEC.name).files


@pytest.mark.e2e
def test_a_service_importing_the_module_feeds_every_recorded_series_and_nothing_fires_in_its_healthy_world(compiled, tmp_path):
    for path, content in compiled.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    rules = sorted((tmp_path / "prometheus").glob("*.yaml"))
    recorded = sorted({rule["record"] for path in rules for group in yaml.safe_load(path.read_text())["groups"]
                       for rule in group["rules"] if "record" in rule})
    with servers.python_service(tmp_path, HERE / "service.py", [str(tmp_path / MODULE)]) as service, \
            servers.prometheus(tmp_path, rules, [service.url.removeprefix("http://")]) as prom:
        servers.wait_until(lambda: servers.query(prom.url, "up == 1"), 30, "the service is not scraped")
        started = time.monotonic()
        time.sleep(HEALTHY)
        missing = [name for name in recorded if not servers.query(prom.url, f'{{__name__="{name}"}}')]
        requests = {(s["metric"]["model"], s["metric"]["outcome"]) for s in servers.query(prom.url, "shop_requests_total")}
        alerts = servers.query(prom.url, f"last_over_time(ALERTS[{int(time.monotonic() - started)}s])")
    assert recorded and missing == []
    # no request has failed, yet the numerator's error series is there at 0 for each model: initialised
    assert requests == {(model, outcome) for model in ("m1", "m2") for outcome in ("ok", "error")}
    assert alerts == []
