"""A service instrumented the way the README tells a team to: it imports the generated module
(its path is the first argument), constructs the metrics it exports in its own registry, serves
them on the port given second, and runs a healthy world until it is stopped: every request
succeeds quickly and the queues stay short."""

from __future__ import annotations

import importlib.util
import sys
import time

from prometheus_client import CollectorRegistry, start_http_server

MODELS = ("m1", "m2")


def main(module_path: str, port: int) -> None:
    spec = importlib.util.spec_from_file_location("shop_metrics", module_path)
    metrics = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metrics)
    registry = CollectorRegistry()
    requests = metrics.ShopRequestsTotal(registry, model=MODELS)
    latency = metrics.ShopLatencySeconds(registry, model=MODELS)
    queue = metrics.ShopQueueDepth(registry)
    for model in MODELS:
        queue.set(3, model=model)
    start_http_server(port, addr="127.0.0.1", registry=registry)
    print("serving", flush=True)
    while True:
        for model in MODELS:
            requests.inc(model=model, outcome="ok")
            latency.observe(0.02, model=model)
        time.sleep(0.25)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
