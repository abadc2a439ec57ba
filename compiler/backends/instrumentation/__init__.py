"""The producing side of the metric catalogue: a Python module a service imports to define its
metrics with prometheus_client exactly as the compiled rules read them (name, type, help, label
names, buckets). Each metric is a class whose helpers take its labels as keyword arguments, so a
label the catalogue lacks is a TypeError and a value it does not declare a ValueError, before a
series nobody reads is exported. An `initialised` metric creates its series at 0 when it is
constructed (for its declared values and the values of its other labels the service passes),
the practice the rules' NoData alerts rely on. The module is text: Python has no data format to
emit it from, and every literal in it is written with repr(), so it is as deterministic as the
model."""

from __future__ import annotations

import keyword

from compiler.backends.outputs import Outputs
from compiler.model import Metric, Spec

_CLASSES = {"counter": "Counter", "gauge": "Gauge", "histogram": "Histogram", "summary": "Summary"}
_TAKEN = {"self", "registry", "amount", "value"}  # the helpers' own parameter names

_PREAMBLE = '''"""The metric catalogue of {title} as prometheus_client metrics, one class per metric.

Construct the metrics this service exports, in the registry it serves, and record through the
helpers: they take exactly the catalogue's labels, and a label with declared values takes only
those. Construct only what the service exports: a metric without labels is exported at 0 from
the start.

    from prometheus_client import start_http_server
    metric = {example}
    metric.{verb}
    start_http_server(8000)
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product
from typing import Literal

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, Summary


def _checked(labels: dict[str, str], declared: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The labels, once each with declared values has one of them: a series nobody reads is a typo."""
    for label, allowed in declared.items():
        if labels[label] not in allowed:
            raise ValueError(f"{{label}}={{labels[label]!r}} is not a value the catalogue declares ({{', '.join(allowed)}})")
    return labels
'''


def render(built: Outputs) -> dict[str, object]:
    spec = built.spec
    if not spec.metrics:
        return {}
    # the example records a metric with declared values, if one has them: what the helpers check
    first = next((metric for metric in spec.metrics if metric.values), spec.metrics[0])
    text = _PREAMBLE.format(title=spec.title, example=_construction(first), verb=_example(first))
    text += "".join(_metric(metric) for metric in spec.metrics)
    return {path(spec): text}


def lint(built: Outputs) -> list[tuple[tuple, str]]:
    """A counter not named *_total cannot be defined as the rules read it: prometheus_client
    exports every counter with _total (the catalogue check's warning, which this makes an error)."""
    spec = built.spec
    return [(("metrics", metric.name), f"the instrumentation module cannot define the counter '{metric.name}': prometheus_client exports "
             f"it as '{metric.name}_total', which the rules do not read (rename it, or leave instrumentation out of output.targets)")
            for metric in spec.metrics if metric.type == "counter" and not metric.name.endswith("_total")]


def path(spec: Spec) -> str:
    return f"instrumentation/{spec.name}_metrics.py"


def class_name(metric: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in metric.replace(":", "_").split("_") if part)


def _parameter(label: str) -> str:
    return f"{label}_" if keyword.iskeyword(label) or label in _TAKEN else label


def _construction(metric: Metric) -> str:
    values = dict(metric.values)
    known = [label for label in metric.labels if label not in values] if _initialised(metric) else []
    return f"{class_name(metric.name)}({', '.join(f'{_parameter(label)}=[{chr(39)}x{chr(39)}]' for label in known)})"


def _initialised(metric: Metric) -> bool:
    return metric.initialised and metric.type != "gauge" and bool(metric.labels)


def _example(metric: Metric) -> str:
    values = dict(metric.values)
    arguments = ", ".join(f"{_parameter(label)}={(values[label][0] if label in values else 'x')!r}" for label in metric.labels)
    helper = {"counter": "inc(", "gauge": "set(1, ", "histogram": "observe(1, ", "summary": "observe(1, "}[metric.type]
    return f"{helper}{arguments})".replace(", )", ")")


def _metric(metric: Metric) -> str:
    values = dict(metric.values)
    options = f", buckets={metric.buckets!r}" if metric.type == "histogram" and metric.buckets else ""
    lines = ["", "", f"class {class_name(metric.name)}:", f"    {_docstring(metric.help)}", "",
             f"    NAME = {metric.name!r}", f"    LABELS = {metric.labels!r}", f"    VALUES = {values!r}", ""]
    lines += _constructor(metric, values, options)
    labels = [f"{_parameter(label)}: {_type(values.get(label))}" for label in metric.labels]
    signature = f", *, {', '.join(labels)}" if labels else ""
    series = (f".labels(**_checked({{{', '.join(f'{label!r}: {_parameter(label)}' for label in metric.labels)}}}, self.VALUES))"
              if metric.labels else "")
    if metric.type == "counter":
        lines += ["", f"    def inc(self, amount: float = 1{signature}) -> None:", f"        self.metric{series}.inc(amount)"]
    elif metric.type == "gauge":
        lines += ["", f"    def set(self, value: float{signature}) -> None:", f"        self.metric{series}.set(value)"]
        if metric.labels:  # a gauge's series that stops being true (a model retired) must go, not stay at its last value
            keys = ", ".join(_parameter(label) for label in metric.labels)
            lines += ["", f"    def remove(self{signature}) -> None:", f"        self.metric.remove({keys})"]
    else:
        lines += ["", f"    def observe(self, value: float{signature}) -> None:", f"        self.metric{series}.observe(value)"]
    return "\n".join(lines) + "\n"


def _constructor(metric: Metric, values: dict, options: str) -> list[str]:
    known = [label for label in metric.labels if label not in values]
    initialised = _initialised(metric)
    extra = f", *, {', '.join(f'{_parameter(label)}: Iterable[str]' for label in known)}" if initialised and known else ""
    lines = [f"    def __init__(self, registry: CollectorRegistry = REGISTRY{extra}) -> None:",
             f"        self.metric = {_CLASSES[metric.type]}({metric.name!r}, {metric.help!r}, self.LABELS, registry=registry{options})"]
    if initialised:  # every series at 0 before its first event, so its silence can raise NoData
        axes = ", ".join(f"self.VALUES[{label!r}]" if label in values else f"tuple({_parameter(label)})" for label in metric.labels)
        lines += [f"        for labels in product({axes}):", "            self.metric.labels(*labels)"]
    return lines


def _type(declared: tuple[str, ...] | None) -> str:
    return f"Literal[{', '.join(repr(value) for value in declared)}]" if declared else "str"


def _docstring(text: str) -> str:
    return repr(text) if '"""' in text or text.endswith('"') or "\\" in text else f'"""{text}"""'
