"""Measure forms: each in one module of this package (`ratio.py`, `quantile.py`, ...) that owns
its model type, its conversion from the spec, the series it reads, its PromQL value, the
unit-test inputs that hold it at a value, how it is shown, and the JSON Schema of its spec body
(the shipped schema's `measure` is assembled from these). The backends ask the form
(`indicator.measure.value(state)`) and never branch on its type; `forms.FORMS` lists them.

A form is a frozen dataclass that subclasses `Measure` and so inherits its defaults: adding one
is a new module here plus one line in `forms.FORMS`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from compiler import promql
from compiler import spec as spec_reading
from compiler.model import Selector

if TYPE_CHECKING:
    from compiler.backends.prometheus.measures import Value
    from compiler.backends.prometheus.unit_tests.inputs import Inputs, Maker
    from compiler.measures.availability import Availability
    from compiler.model import Spec
    from compiler.spec_types import Indicator as TypedIndicator

# Schema pieces the forms' fragments share (JSON Schema draft 07, as in compiler/schema/).
DURATION = {"type": "string", "pattern": "^(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$",
            "description": "Duration in Prometheus notation, e.g. 30s, 5m, 1h30m, 7d, 2w."}
WINDOW = {**DURATION, "description": "The window the measure is evaluated over."}
SELECTOR = {"type": "string", "minLength": 1,
            "description": 'A series selector of a catalogued metric, e.g. mlops_deployments_total{status="success"}.'}
MIN_VOLUME = {"type": "number", "minimum": 0,
              "description": "Below this many events in the window (the denominator, or the series for trends) no alert fires."}


class Measure(Protocol):
    """What every form answers. The class attributes and methods with a body are defaults."""

    name: ClassVar[str]  # the key under `measure:` in the spec
    schema: ClassVar[dict[str, object]]  # the JSON Schema of its spec body: the shipped schema is assembled from these
    # Selector fields and the metric types each accepts (after resolving the series a histogram
    # or summary exposes: x_bucket, x_sum and x_count are counters).
    selectors: ClassVar[dict[str, tuple[str, ...]]] = {}
    panel: ClassVar[str | None] = None  # the Grafana panel type, when the form decides it rather than the unit
    qualifier: ClassVar[str] = ""  # what a threshold is of, after it: '≥ 10% change'
    whole: ClassVar[bool] = False  # counts whole events: a dashboard shows no decimals
    # its value is a fraction of 1 (0.9 for 90%, a change of 0.1 for +10%), never a percentage:
    # in unit percent its thresholds (90) would be compared with it 100 times too large
    fraction: ClassVar[bool] = False
    share: ClassVar[bool] = False  # a part of a whole (a fraction too): a ratio-unit value lies between 0 and 1
    clocked: ClassVar[bool] = False  # a test holds it in whole seconds: no half second needed off a boundary
    absent_is_zero: ClassVar[bool] = False  # its sources' absence is a count of 0, not silence (presence.sources)

    @classmethod
    def from_spec(cls, body: Any, window: float, indicator: TypedIndicator) -> Measure:
        """The form built from its (schema-valid) spec body, defaults applied."""
        ...

    def operation(self, good: str) -> str:
        """How the value is computed, as the `operations` part of its recorded series' name."""
        ...

    def value(self, state: Value) -> promql.Joined:
        """The PromQL of the indicator's value, with what it reads (joined from its parts': no
        rule is parsed whole); inputs it needs recorded first go into `state`."""
        ...

    def sources(self) -> list[str]:
        """Names of the series the value cannot be computed without: every selector's metric."""
        return [getattr(self, field).metric for field in self.selectors]

    def inputs(self, make: Maker, wanted: float) -> Inputs | None:
        """Input series holding the value at `wanted`; None when it cannot be set from outside."""
        return None

    def user_expr(self) -> str | None:
        """The spec author's own PromQL, for the forms that are one."""
        return None

    def counts_rollups(self, spec: Spec) -> bool:
        """Whether its value counts the events of hourly rollups (a long window's increase or rate,
        not a ratio of two such sums): a test records one rollup an hour, as the rollup group
        does, only on a grid stepping hourly."""
        return False

    def budget(self) -> Availability | None:
        """The availability objective whose error budget burn-rate alerts watch, if any."""
        return None


def selector(body: dict, field: str) -> Selector:
    return promql.parse_selector(body[field])


def is_counter(spec: Spec, selected: Selector) -> bool:
    """Whether the selected series are a counter's (a histogram's `x_bucket` and `x_count` are)."""
    found = spec_reading.series_type(selected.metric, spec.catalogue)
    return found is not None and found[1] == "counter"
