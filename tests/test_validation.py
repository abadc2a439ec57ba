"""Every mistake in a spec yields a located message (file:line:col: field: message), all at
once, and nothing else. Cases append to the valid spec in conftest.py, whose indicators start at
line 40. The hostile corpus (tests/hostile/, test_hostile.py) holds more cases as files."""

from __future__ import annotations

import pytest
from conftest import HEADER, INDICATOR, schema_nodes, spec_text, with_output

from compiler import checks, durations, pipeline
from compiler.problems import SpecError

GAUGE = "measure: {gauge: {series: queue_depth, aggregation: max}}"


def ind(old: str, new: str) -> str:
    """The valid spec with one change in its indicator."""
    assert old in INDICATOR, old
    return spec_text(INDICATOR.replace(old, new))


def hdr(old: str, new: str) -> str:
    """The valid spec with one change above its indicators."""
    assert old in HEADER, old
    return HEADER.replace(old, new) + INDICATOR


def valued(measure: str, values: str = 'values: {code: ["200", "500"]}') -> str:
    """The valid spec with label values declared on http_requests_total and a measure reading it."""
    catalogued = HEADER.replace("labels: [model, code]}", f"labels: [model, code], {values}}}")
    return catalogued + INDICATOR.replace(GAUGE, measure)


REQUESTS = 'sum by (model) (rate(http_requests_total{code=%s}[5m]))'

CASES = [
  ("a duration threshold needs unit seconds", ind("target: 10", "target: 10m"),
   [
       "indicators.yaml:49:13: indicators[0].target: '10m' is a duration, but the unit is count (hint: durations are thresholds only for unit: seconds)",
   ]),
  ("a warning sign on the good side of the target contradicts the direction", ind("warning: 100", "warning: 5"),
   [
       "indicators.yaml:50:14: indicators[0].warning: the warning threshold 5 is below the target 10, but lower is good (hint: with good: lower, each level's threshold must be at or beyond the one before)",
   ]),
  ("a critical threshold short of the warning sign contradicts the direction", ind("warning: 100", "warning: 100\n    critical: 50"),
   [
       "indicators.yaml:51:15: indicators[0].critical: the critical threshold 50 is below the warning 100, but lower is good (hint: with good: lower, each level's threshold must be at or beyond the one before)",
   ]),
  ("an unknown metric is named with the closest catalogued one", ind("series: queue_depth", "series: queue_dept"),
   [
       "indicators.yaml:46:31: indicators[0].measure.gauge.series: unknown metric 'queue_dept': not in the metric catalogue (hint: did you mean 'queue_depth'?)",
   ]),
  ("an id that makes an alert name over 40 characters is rejected", ind("id: queue", "id: queue_depth_of_the_background_job_runner"),
   [
       "indicators.yaml:41:9: indicators[0].id: the alert name 'ShopQueueDepthOfTheBackgroundJobRunnerNoData' is 44 characters, over 40 (hint: shorten the id or metadata.name)",
   ]),
  ("a selector on a label value the catalogue does not list is rejected, with the closest listed one",
   valued('measure: {expr: "%s"}' % (REQUESTS % '\\"50\\"')),
   [
       'indicators.yaml:46:21: indicators[0].measure.expr: code="50" matches no value of \'code\' the catalogue declares for \'http_requests_total\' (hint: did you mean \'500\'?)',
   ]),
  ("a selector on a listed label value is accepted", valued('measure: {expr: "%s"}' % (REQUESTS % '\\"500\\"')), []),
  ("a regex matching no listed label value is rejected, anchored as Prometheus anchors it",
   valued('measure: {expr: "%s"}' % (REQUESTS.replace("=", "=~") % '\\"50\\"')),
   [
       'indicators.yaml:46:21: indicators[0].measure.expr: code=~"50" matches no value of \'code\' the catalogue declares for \'http_requests_total\' (hint: the catalogue lists 200, 500)',
   ]),
  ("a regex matching one listed label value is accepted", valued('measure: {expr: "%s"}' % (REQUESTS.replace("=", "=~") % '\\"5..\\"')), []),
  ("a negative matcher on an unlisted label value is accepted", valued('measure: {expr: "%s"}' % (REQUESTS.replace("=", "!=") % '\\"404\\"')), []),
  ("a ratio's selector field is checked against the listed label values",
   valued('measure: {ratio: {numerator: \'http_requests_total{code="5xx"}\', denominator: http_requests_total}}'),
   [
       'indicators.yaml:46:34: indicators[0].measure.ratio.numerator: code="5xx" matches no value of \'code\' the catalogue declares for \'http_requests_total\' (hint: the catalogue lists 200, 500)',
   ]),
  ("label values for a label the metric lacks are rejected", valued(GAUGE, 'values: {status: [ok]}'),
   [
       "indicators.yaml:9:89: metrics.http_requests_total.values.status: 'status' is not a label of 'http_requests_total'",
   ]),
  ("a counter prometheus_client would export with _total cannot be instrumented",
   hdr("http_errors_total: {type: counter", "http_errors: {type: counter"),
   [
       "indicators.yaml:10:3: warning: metrics.http_errors: the counter 'http_errors' does not end in _total (hint: rename it to 'http_errors_total')",
       "indicators.yaml:10:16: metrics.http_errors: the instrumentation module cannot define the counter 'http_errors': prometheus_client exports it as 'http_errors_total', which the rules do not read (rename it, or leave instrumentation out of output.targets)",
   ]),
  ("a counter not named _total compiles without the instrumentation target",
   with_output(HEADER.replace("http_errors_total: {type: counter", "http_errors: {type: counter") + INDICATOR, "targets: [prometheus]"), []),
  ("a tracking label the metric lacks is rejected", ind("track_by: [model]", "track_by: [team]"),
   [
       "indicators.yaml:51:16: indicators[0].track_by[0]: the tracking label 'team' is not a label of 'queue_depth' (hint: track_by labels must be on every series the measure reads)",
   ]),
  ("a misspelt tracking label is reported at its track_by entry with the label meant", ind("track_by: [model]", "track_by: [modle]"),
   [
       "indicators.yaml:51:16: indicators[0].track_by[0]: the tracking label 'modle' is not a label of 'queue_depth' (hint: did you mean 'model'?)",
   ]),
  ("PromQL that does not parse is rejected", ind(GAUGE, 'measure: {expr: "sum(queue_depth"}'),
   [
       'indicators.yaml:46:21: indicators[0].measure.expr: PromQL does not parse: unclosed left parenthesis',
   ]),
  ("a counter read without rate is rejected", ind(GAUGE, 'measure: {expr: "sum by (model) (http_requests_total)"}'),
   [
       "indicators.yaml:46:21: indicators[0].measure.expr: the counter 'http_requests_total' is read without rate() or increase() (hint: a counter's raw value only says how long the process has run)",
   ]),
  ("histogram_quantile over a bare histogram name is rejected", ind(GAUGE, 'measure: {expr: "histogram_quantile(0.9, latency_seconds)"}'),
   [
       "indicators.yaml:46:21: indicators[0].measure.expr: histogram_quantile over the bare histogram name 'latency_seconds' returns nothing (hint: use the quantile form, or histogram_quantile(q, sum by (le) (rate(latency_seconds_bucket[5m]))))",
   ]),
  ("a quantile over a rate of buckets is accepted", ind(GAUGE, 'measure: {expr: "histogram_quantile(0.9, sum by (le, model) (rate(latency_seconds_bucket[5m])))"}'),
   []),
  ("an expression may read a series the spec records", spec_text(INDICATOR + INDICATOR.split("\n", 1)[1]
                                                                  .replace("id: queue", "id: queue_share")
                                                                  .replace(GAUGE, 'measure: {expr: "model:shop_queue:max / 10"}')),
   []),
  ("an expression reading a series the spec does not record is rejected", ind(GAUGE, 'measure: {expr: "model:shop_queue:min / 10"}'),
   [
       "indicators.yaml:46:21: indicators[0].measure.expr: 'model:shop_queue:min' is not a series this spec records (hint: did you mean 'model:shop_queue:value'?)",
   ]),
  ("a matcher on a label the metric lacks is rejected", ind(GAUGE, "measure: {ratio: {numerator: 'http_requests_total{zone=\"eu\"}', denominator: http_requests_total}}"),
   [
       "indicators.yaml:46:34: indicators[0].measure.ratio.numerator: 'http_requests_total' has no label 'zone' (hint: its labels: code, model)",
   ]),
  ("a measure with two forms is rejected", ind(GAUGE, "measure: {gauge: {series: queue_depth}, age: {timestamp: trained_timestamp_seconds}}"),
   [
       'indicators.yaml:46:14: indicators[0].measure: a measure has exactly one form, got 2 (hint: one of: expr, ratio, quantile, rate, trend, baseline, age, zero, availability, gauge)',
   ]),
  ("a gauge where a counter belongs is rejected", ind(GAUGE, "measure: {rate: {counter: queue_depth}}"),
   [
       "indicators.yaml:46:31: indicators[0].measure.rate.counter: 'queue_depth' is a gauge; this field takes a counter",
   ]),
  ("a quantile of something that is not a histogram is rejected", ind(GAUGE, "measure: {quantile: {histogram: queue_depth, q: 0.9}}"),
   [
       "indicators.yaml:46:37: indicators[0].measure.quantile.histogram: 'queue_depth' is a gauge, not a histogram (hint: name the histogram itself, without _bucket)",
   ]),
  ("an override by a label the indicator is not tracked by is rejected", spec_text(INDICATOR + "    overrides:\n      - when: {team: a}\n        target: 5\n"),
   [
       "indicators.yaml:53:16: indicators[0].overrides[0].when.team: 'team' is not a tracking label of this indicator (hint: overrides select by track_by labels: model)",
   ]),
  ("a misspelt override label names the tracking label meant", spec_text(INDICATOR + "    overrides:\n      - when: {modle: a}\n        target: 5\n"),
   [
       "indicators.yaml:53:16: indicators[0].overrides[0].when.modle: 'modle' is not a tracking label of this indicator (hint: did you mean 'model'?)",
   ]),
  ("an unparseable duration is located inside the threshold", ind("warning: 100", "warning: {value: 100, for: 5x}"),
   [
       "indicators.yaml:50:32: indicators[0].warning.for: '5x' is not a duration (hint: durations look like 30s, 5m, 1h30m, 7d: each unit once, largest first)",
   ]),
  ("a duration repeating a unit is rejected, as promtool rejects it", ind("warning: 100", "warning: {value: 100, for: 1m4m}"),
   [
       "indicators.yaml:50:32: indicators[0].warning.for: '1m4m' is not a duration (hint: durations look like 30s, 5m, 1h30m, 7d: each unit once, largest first)",
   ]),
  ("a duration with a smaller unit first is rejected", ind("warning: 100", "warning: {value: 100, for: 30m1h}"),
   [
       "indicators.yaml:50:32: indicators[0].warning.for: '30m1h' is not a duration (hint: durations look like 30s, 5m, 1h30m, 7d: each unit once, largest first)",
   ]),
  ("a duplicate id names the first use", spec_text(INDICATOR + INDICATOR.split("\n", 1)[1]),
   [
       "indicators.yaml:52:9: indicators[1].id: duplicate id 'queue' (hint: first used at indicators.yaml:41)",
   ]),
  ("an unknown category is rejected", ind("category: platform_health", "category: platform"),
   [
       "indicators.yaml:43:15: indicators[0].category: unknown category 'platform' (hint: did you mean 'platform_health'?)",
   ]),
  ("an unknown group is rejected", ind("group: reliability", "group: latency"),
   [
       "indicators.yaml:44:12: indicators[0].group: unknown group 'latency' (hint: defined: reliability)",
   ]),
  ("a report headline or table naming nothing defined is rejected",
   spec_text() + "reports:\n  headline: [queu, platform_health]\n  quality: platform\n",
   [
       "indicators.yaml:53:14: reports.headline[0]: unknown indicator, scorecard entry or category 'queu' (hint: did you mean 'queue'?)",
       "indicators.yaml:54:12: reports.quality: unknown category 'platform' (hint: did you mean 'platform_health'?)",
   ]),
  ("an unknown team is rejected", ind("definition: Jobs waiting.", "definition: Jobs waiting.\n    team: ops"),
   [
       "indicators.yaml:46:11: indicators[0].team: unknown team 'ops' (hint: defined: core)",
   ]),
  ("a critical threshold no level raises is rejected", hdr("    critical: {threshold: critical, severity: critical, response_time: 1h, responders: [pager]}\n", "").replace("INDICATOR", "") .replace("warning: 100", "warning: 100\n    critical: 500"),
   [
       "indicators.yaml:50:15: indicators[0].critical: no escalation level is raised by the 'critical' threshold (hint: add a level with 'threshold: critical' under escalation.levels)",
   ]),
  ("an unknown responder is rejected", hdr("responders: [pager]", "responders: [pagr]"),
   [
       "indicators.yaml:28:89: escalation.levels.critical.responders[0]: unknown responder 'pagr' (hint: did you mean 'pager'?)",
   ]),
  ("a level without responders is rejected", hdr(", responders: [pager]}", "}"),
   [
       "indicators.yaml:28:15: escalation.levels.critical: level 'critical' has no responders (hint: teams without their own: core)",
   ]),
  ("a responder without channels is rejected", hdr("channels: [{pagerduty: {routing_key_file: /etc/am/pd-key}}]", "channels: []"),
   [
       "indicators.yaml:37:15: responders.pager.channels: responder 'pager' has no channels (hint: add a slack, pagerduty, email or webhook channel)",
   ]),
  ("a team's responders for a level its indicators never raise are an unreachable route",
   hdr("  core: {title: Core}", "  core: {title: Core, responders: {critical: [pager]}}"),
   [
       "indicators.yaml:30:46: teams.core.responders.critical: unreachable route: no indicator of team 'core' raises level 'critical' (hint: its indicators raise yellow, red; remove these responders or add the threshold that raises 'critical')",
   ]),
  ("a team's empty responder list for a level is rejected", hdr("  core: {title: Core}", "  core: {title: Core, responders: {red: []}}"),
   [
       "indicators.yaml:30:41: teams.core.responders.red: team 'core' names no responders for level 'red', so its alerts would reach no one (hint: name responders, or remove the entry to use the level's own)",
   ]),
  ("a team that owns no indicators has only unreachable routes",
   hdr("  core: {title: Core}", "  core: {title: Core}\n  ops: {title: Ops, responders: {red: [lead]}}"),
   [
       "indicators.yaml:31:39: teams.ops.responders.red: unreachable route: no indicator of team 'ops' raises level 'red' (hint: its indicators raise nothing; remove these responders or add the threshold that raises 'red')",
   ]),
  ("an escalation without a level that raises alerts is rejected",
   HEADER[:HEADER.index("    yellow:")] + HEADER[HEADER.index("teams:"):].replace("notifications:", "indicators: []\nnotifications:"),
   [
       "indicators.yaml:20:5: escalation.levels: no level raises alerts, so nothing can be routed (hint: give levels a 'threshold' (target, warning, critical))",
   ]),
  ("escalating the most severe level has nowhere to go", hdr("critical: {threshold: critical, severity: critical, response_time: 1h,", "critical: {threshold: critical, severity: critical, response_time: 1h, escalate_after: 2h,"),
   [
       "indicators.yaml:28:92: escalation.levels.critical.escalate_after: no level above 'critical' to escalate to",
   ]),
  ("the level above is found by severity, not by the order levels are written in", hdr("    green: {action: Continue monitoring}\n", "").replace("    critical: {threshold", "    green: {action: Continue monitoring}\n    critical: {threshold").replace("responders: [lead]}", "responders: [lead], escalate_after: 8h}"),
   []),
  ("a Slack webhook URL is a secret", hdr("channels: [{email: {to: lead@example.com}}]", "channels: [{webhook: {url: 'https://hooks.slack.com/services/T0/B0/XYZ'}}]"),
   [
       "indicators.yaml:34:32: responders.lead.channels[0].webhook.url: inline secret: this URL carries a credential (hint: keep the URL's secret part in a file ('api_url_file' or 'credentials_file'))",
   ]),
  ("a webhook URL with a token is a secret", hdr("channels: [{email: {to: lead@example.com}}]", "channels: [{webhook: {url: 'https://hooks.example.com/alert?token=abc'}}]"),
   [
       "indicators.yaml:34:32: responders.lead.channels[0].webhook.url: inline secret: this URL carries a credential (hint: keep the URL's secret part in a file ('api_url_file' or 'credentials_file'))",
   ]),
  ("a secret file must be an absolute path", hdr("routing_key_file: /etc/am/pd-key", "routing_key_file: pd-key"),
   [
       "indicators.yaml:37:47: responders.pager.channels[0].pagerduty.routing_key_file: 'pd-key' is not an absolute path (hint: point at a file mounted into Alertmanager, e.g. /etc/alertmanager/secrets/<secret>/<key>)",
   ]),
  ("an unknown time zone is rejected", hdr("location: Europe/London", "location: Europe/Londn"),
   [
       "indicators.yaml:16:15: escalation.business_hours.location: unknown time zone 'Europe/Londn' (hint: use an IANA name such as Europe/London or America/New_York)",
   ]),
  ("a business-hours interval that ends before it starts is rejected", hdr('{start: "09:00", end: "17:00"}', '{start: "17:00", end: "09:00"}'),
   [
       'indicators.yaml:18:13: escalation.business_hours.times[0]: the interval ends (09:00) before it starts (17:00)',
   ]),
  ("a weekday range with a typo is rejected", hdr("[monday:friday]", "[monday:fridy]"),
   [
       "indicators.yaml:17:16: escalation.business_hours.weekdays[0]: 'monday:fridy' is not a weekday or a range such as monday:friday",
   ]),
  ("e-mail channels need notification settings", hdr('notifications: {email: {from: am@example.com, smarthost: "smtp.example.com:587"}}\n', ""),
   [
       'indicators.yaml:34:24: responders.lead.channels[0].email: e-mail channels need notifications.email (sender and smarthost)',
   ]),
  ("scorecard weights that do not add up to 1 are rejected", spec_text(INDICATOR + "scorecard:\n  a: {title: A, weight: 0.5, groups: [reliability]}\n"),
   [
       'indicators.yaml:53:3: scorecard: the weights add up to 0.5, not 1',
   ]),
  ("a wrong apiVersion is rejected", hdr("apiVersion: indicators/v1", "apiVersion: indicators/v2"),
   [
       "indicators.yaml:1:13: apiVersion: expected 'indicators/v1', got string 'indicators/v2'",
   ]),
]


# An indicator's own test cases, appended after its track_by (line 51).
AVAILABILITY = "measure: {availability: {errors: http_errors_total, total: http_requests_total}}"


def slo(measure: str, thresholds: str = "target: 0.999\n    warning: 0.99") -> str:
    """The valid spec's indicator as an availability objective (99.9% target, 99% warning sign)."""
    return ind(GAUGE, measure).replace("unit: count\n    good: lower\n    target: 10\n    warning: 100",
                                       "unit: ratio\n    good: higher\n    " + thresholds)


def burns(*rates: str) -> str:
    return slo(AVAILABILITY.replace("}}", ", burn_rates: [" + ", ".join(rates) + "]}}"))


CASES += [
  ("an availability objective that disagrees with the target is rejected",
   slo(AVAILABILITY.replace("}}", ", objective: 0.995}}")),
   [
       "indicators.yaml:46:96: indicators[0].measure.availability.objective: the objective 99.5% disagrees with the target, which allows 0.1% errors: the objective is the target (hint: remove objective (it defaults to the target) or set it to 0.999)",
   ]),
  ("a burn rate that pages red before the warning sign is crossed is rejected",
   burns("{long: 6h, short: 30m, factor: 6, threshold: warning}"),
   [
       "indicators.yaml:46:143: indicators[0].measure.availability.burn_rates[0].threshold: a 6x burn (0.6% errors) has not crossed the warning threshold (1% errors): raising its level would escalate beyond the indicator's thresholds (hint: leave threshold out to derive it ('target'), or use a factor of at least 10)",
   ]),
  ("a burn rate raising a threshold the indicator lacks is rejected",
   burns("{long: 1h, short: 5m, factor: 14.4, threshold: critical}"),
   [
       "indicators.yaml:46:145: indicators[0].measure.availability.burn_rates[0].threshold: a 14.4x burn (1.44% errors) raises the 'critical' threshold's level, but the indicator has no critical threshold (hint: leave threshold out to derive it ('warning'), or add critical: to the indicator)",
   ]),
  ("a burn rate within the target is rejected",
   burns("{long: 3d, short: 6h, factor: 0.5}"),
   [
       "indicators.yaml:46:128: indicators[0].measure.availability.burn_rates[0].factor: a 0.5x burn (0.05% errors) is within the target 0.1%: it would raise a level while the indicator meets its target (hint: use factors of at least 1)",
   ]),
  ("an availability objective read in percent is rejected", slo(AVAILABILITY, "target: 99.9\n    warning: 99").replace("unit: ratio", "unit: percent"),
   [
       "indicators.yaml:47:11: indicators[0].unit: an availability measure's value is a fraction (0.9 for 90%), not a percentage: "
       "thresholds written in percent are compared with a value 100 times smaller "
       "(hint: use unit: ratio and write the thresholds as fractions (target: 0.999); a ratio is shown as a percentage)",
   ]),
]

# A zero window crashed the compile with the PromQL parser's error; each is now one located error
CASES += [
  ("a quantile over a zero window is one located error, not a crash",
   ind(GAUGE, "measure: {quantile: {histogram: latency_seconds, q: 0.9, window: 0s}}"),
   [
       "indicators.yaml:46:70: indicators[0].measure.quantile.window: window must be longer than 0s: PromQL refuses an empty range, so rate(), increase(), quantiles and averages over it have no value (hint: use a window of at least 1m, twice the scrape interval)",
   ]),
  ("an availability objective over a zero period is one located error, not a crash",
   slo(AVAILABILITY.replace("}}", ", period: 0s}}")),
   [
       "indicators.yaml:46:93: indicators[0].measure.availability.period: period must be longer than 0s: the objective's error ratio is read over the period, and PromQL refuses an empty range (hint: leave period out for 30d)",
   ]),
  ("a zero default window the indicators read is one located error, not a crash",
   spec_text(INDICATOR.replace(GAUGE, "measure: {ratio: {numerator: http_errors_total, denominator: http_requests_total}}"))
   .replace("defaults: {", "defaults: {window: 0s, "),
   [
       "indicators.yaml:3:20: defaults.window: window must be longer than 0s: PromQL refuses an empty range, so rate(), increase(), quantiles and averages over it have no value (hint: use a window of at least 1m, twice the scrape interval)",
   ]),
]

# A tracking label that repeated a global label compiled `avg by (cluster, cluster, model)`
CASES += [
  ("a tracking label that repeats a global label is refused at its track_by entry",
   spec_text(INDICATOR.replace("track_by: [model]", "track_by: [cluster, model]"))
   .replace("defaults: {", "defaults: {global_labels: [cluster], "),
   [
       "indicators.yaml:51:16: indicators[0].track_by[0]: 'cluster' is a global label, which every aggregation keeps already (hint: drop it from track_by)",
   ]),
  ("a label repeated within track_by is refused at the repeat",
   ind("track_by: [model]", "track_by: [model, model]"),
   [
       "indicators.yaml:51:23: indicators[0].track_by[1]: string 'model' is already item [0] of the list (hint: drop the repeat)",
   ]),
]

CASES += [
  ("an e-mail address Alertmanager cannot parse at send time is rejected",
   hdr("email: {to: lead@example.com}", "email: {to: 'lead+{{ .Status }}@example.com'}"),
   [
       "indicators.yaml:34:29: responders.lead.channels[0].email.to: 'lead+{{ .Status }}@example.com' is not an e-mail address Alertmanager can send to (hint: write local@domain or Name <local@domain>, several separated by commas)",
   ]),
  ("each of several addresses is checked, a named one passes",
   hdr("email: {to: lead@example.com}", "email: {to: 'Team Lead <lead@example.com>, oncall at example.com'}"),
   [
       "indicators.yaml:34:29: responders.lead.channels[0].email.to: 'oncall at example.com' is not an e-mail address Alertmanager can send to (hint: write local@domain or Name <local@domain>, several separated by commas)",
   ]),
  ("a sender without a domain is rejected", hdr("from: am@example.com", "from: alertmanager"),
   [
       "indicators.yaml:38:31: notifications.email.from: 'alertmanager' is not an e-mail address Alertmanager can send to (hint: write local@domain or Name <local@domain>, several separated by commas)",
   ]),
]

CASE = """track_by: [model]
    tests:
      - name: a deep queue turns red
        input_series:
          - {series: 'queue_depth{model="a"}', values: '500x300'}
        eval_time: 3h
        alerts: [{level: red, labels: {model: a}}]
        values: [{labels: {model: a}, value: 500}]"""


def case(old: str, new: str) -> str:
    assert old in CASE, old
    return ind("track_by: [model]", CASE.replace(old, new))


def valued_case(series: str) -> str:
    """The valid spec with label values on http_requests_total and its test case also fed `series`."""
    fed = CASE.replace("values: '500x300'}", "values: '500x300'}\n          - {series: '" + series + "', values: '0+10x300'}")
    return valued(GAUGE).replace("track_by: [model]", fed)


CASES += [
  ("a test case fed a label value the catalogue does not list is rejected, with the closest listed one",
   valued_case('http_requests_total{model="a", code="50"}'),
   [
       'indicators.yaml:56:22: indicators[0].tests[0].input_series[1].series: code="50" is not a value of \'code\' the catalogue declares for \'http_requests_total\' (hint: did you mean \'500\'?)',
   ]),
  ("a test case fed a label value far from every listed one is told the listed ones",
   valued_case('http_requests_total{model="a", code="teapot"}'),
   [
       'indicators.yaml:56:22: indicators[0].tests[0].input_series[1].series: code="teapot" is not a value of \'code\' the catalogue declares for \'http_requests_total\' (hint: the catalogue lists 200, 500)',
   ]),
  ("a test case fed listed label values, and any value of a label without declared ones, is accepted",
   valued_case('http_requests_total{model="anything", code="500"}'), []),
  ("label values are checked only where the catalogue declares them", valued_case('http_requests_total{model="a", code="404"}')
   .replace(', values: {code: ["200", "500"]}', ""), []),
  ("a test case reading an uncatalogued metric is rejected", case("queue_depth{", "queue_dept{"),
   [
       "indicators.yaml:55:22: indicators[0].tests[0].input_series[0].series: 'queue_dept' is not in the metric catalogue (hint: did you mean 'queue_depth'?)",
   ]),
  ("a test case expecting a level the indicator never raises is rejected", case("level: red", "level: purple"),
   [
       "indicators.yaml:57:26: indicators[0].tests[0].alerts[0].level: the indicator raises no alert at level 'purple' for these labels (hint: its thresholds raise red, yellow)",
   ]),
  ("a test case expecting a level that a more severe threshold makes redundant is rejected",
   spec_text(INDICATOR.replace("warning: 100", "warning: 100\n    critical: 100").replace("track_by: [model]", CASE)),
   [
       "indicators.yaml:58:26: indicators[0].tests[0].alerts[0].level: the indicator raises no alert at level 'red' for these labels (hint: its thresholds raise critical, yellow)",
   ]),
  ("a test case eval time that is not a duration is rejected", case("eval_time: 3h", "eval_time: 3 hours"),
   [
       "indicators.yaml:56:20: indicators[0].tests[0].eval_time: '3 hours' is not a duration (hint: durations look like 30s, 5m, 1h30m, 7d: each unit once, largest first)",
   ]),
  ("a test case expecting a label the indicator does not carry is rejected", case("alerts: [{level: red, labels: {model: a}}]", "alerts: [{level: red, labels: {model: a, team: x}}]"),
   [
       "indicators.yaml:57:18: indicators[0].tests[0].alerts[0]: an expected alert needs the indicator's value at its labels under 'values' (hint: the alert's description prints that value)",
       "indicators.yaml:57:50: indicators[0].tests[0].alerts[0].labels.team: 'team' is not a global or tracking label of the indicator (hint: the recorded series carry model)",
   ]),
  ("a test case's misspelt label names the label meant", case("alerts: [{level: red, labels: {model: a}}]", "alerts: [{level: red, labels: {modle: a}}]"),
   [
       "indicators.yaml:57:18: indicators[0].tests[0].alerts[0]: an expected alert needs the indicator's value at its labels under 'values' (hint: the alert's description prints that value)",
       "indicators.yaml:57:40: indicators[0].tests[0].alerts[0].labels.modle: 'modle' is not a global or tracking label of the indicator (hint: did you mean 'model'?)",
   ]),
  ("a silence horizon shorter than no_data_for is rejected", ind("track_by: [model]", "track_by: [model]\n    no_data_for: 2h\n    forget_after: 1h"),
   [
       "indicators.yaml:53:19: indicators[0].forget_after: forget_after 1h is not longer than no_data_for 2h: a silent entity would be forgotten before it raises NoData (hint: set forget_after longer than 2h)",
   ]),
  ("a test case input that is not promtool series notation is rejected", case("'500x300'", "'500 times 300'"),
   [
       "indicators.yaml:55:56: indicators[0].tests[0].input_series[0].values: 'times' is not promtool series notation (hint: use values such as '1 2 3', '0+10x60', '5x30', '_' or 'stale')",
   ]),
  ("a test case expecting an alert without the value it prints is rejected", case("values: [{labels: {model: a}, value: 500}]", "values: []"),
   [
       "indicators.yaml:57:18: indicators[0].tests[0].alerts[0]: an expected alert needs the indicator's value at its labels under 'values' (hint: the alert's description prints that value)",
   ]),
]

@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_mistake_is_reported_at_its_location(text, expected):
    try:
        pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
        found = []
    except SpecError as err:
        found = [str(problem) for problem in err.problems]
    assert found == expected


def test_every_problem_is_reported_at_once():
    text = ind("target: 10", "target: 10m").replace("group: reliability", "group: latency")
    with pytest.raises(SpecError) as raised:
        pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    assert [p.path for p in raised.value.problems] == ["indicators[0].group", "indicators[0].target"]
    text = ind("target: 10", 'target: "10"').replace("unit: count", "unit: count\n    treshold: 3")
    with pytest.raises(SpecError) as raised:
        pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    assert [p.path for p in raised.value.problems] == ["indicators[0].treshold", "indicators[0].target"]


SECOND = """\
  - id: backlog
    title: Backlog
    category: platform_health
    group: reliability
    definition: Jobs not started.
    measure: {gauge: {series: queue_depth, aggregation: max}}
    unit: count
    good: lower
    target: 10
    warning: 100
    track_by: [model]
"""


def two(first: tuple[str, str] = ("", ""), second: tuple[str, str] = ("", ""), header: tuple[str, str] = ("", "")) -> str:
    """The valid spec with a second indicator (from line 52), each part with one change."""
    assert all(old in text for (old, _), text in ((first, INDICATOR), (second, SECOND), (header, HEADER)))
    return HEADER.replace(*header) + INDICATOR.replace(*first) + SECOND.replace(*second)


# (case, spec, every problem one run reports): the schema's and the checks' after it together,
# without the messages that only repeat a rejected entry's name
AT_ONCE = [
  ("an unknown field leaves the rest of its indicator checked, and the other indicators",
   two(first=("unit: count", "unit: count\n    treshold: 3"), second=("warning: 100", "warning: 5"))
   .replace("group: reliability", "group: latency", 1),
   ["indicators.yaml:44:12: indicators[0].group: unknown group 'latency' (hint: defined: reliability)",
    "indicators.yaml:48:5: indicators[0].treshold: unknown field 'treshold' (hint: allowed: annotations, category, critical, "
    "definition, forget_after, good, group, id, labels, measure, no_data_for, overrides, runbook_url, target, team, tests, title, "
    "track_by, unit, warning)",
    "indicators.yaml:62:14: indicators[1].warning: the warning threshold 5 is below the target 10, but lower is good "
    "(hint: with good: lower, each level's threshold must be at or beyond the one before)"]),
  ("a rejected responder, and an unknown group: the level naming the responder adds nothing",
   two(header=("routing_key_file: /etc/am/pd-key", "routing_key_file: etc/am/pd-key"), second=("group: reliability", "group: latency")),
   ["indicators.yaml:37:47: responders.pager.channels[0].pagerduty.routing_key_file: 'etc/am/pd-key' is not an absolute path "
    "(hint: point at a file mounted into Alertmanager, e.g. /etc/alertmanager/secrets/<secret>/<key>)",
    "indicators.yaml:55:12: indicators[1].group: unknown group 'latency' (hint: defined: reliability)"]),
  ("a rejected metric, and a duration threshold on a count: the series reading the metric adds nothing",
   two(header=("queue_depth: {type: gauge", "queue_depth: {type: gaueg"), second=("target: 10", "target: 10m")),
   ["indicators.yaml:12:23: metrics.queue_depth.type: string 'gaueg' is not one of: counter, gauge, histogram, summary (hint: did you mean 'gauge'?)",
    "indicators.yaml:60:13: indicators[1].target: '10m' is a duration, but the unit is count (hint: durations are thresholds only for unit: seconds)"]),
  ("a rejected indicator, named by the reports: the headline naming it adds nothing",
   two(header=("output: {", "reports: {headline: [queue]}\noutput: {"), first=("good: lower", "good: lowr"),
       second=("warning: 100", "warning: 5")),
   ["indicators.yaml:49:11: indicators[0].good: string 'lowr' is not one of: higher, lower (hint: did you mean 'lower'?)",
    "indicators.yaml:62:14: indicators[1].warning: the warning threshold 5 is below the target 10, but lower is good "
    "(hint: with good: lower, each level's threshold must be at or beyond the one before)"]),
  ("an error outside indicators, metrics and responders still stops the checks after the schema",
   two(header=("output: {", "output: {targets: [prometheus, grafna], "), second=("warning: 100", "warning: 5")),
   ["indicators.yaml:39:32: output.targets[1]: string 'grafna' is not one of: docs, prometheus, grafana, alertmanager, kubernetes, instrumentation "
    "(hint: did you mean 'grafana'?)"]),
  ("an unknown field close to an allowed one names it", two(header=("red: {threshold: warning", "red: {treshold: warning")),
   ["indicators.yaml:27:11: escalation.levels.red.treshold: unknown field 'treshold' (hint: did you mean 'threshold'?)"]),
  ("an unknown measure form rejects its indicator, which would have a measure of no form; the others are checked",
   two(first=("measure: {gauge: {series: queue_depth", "measure: {gauge_x: {series: queue_depth"), second=("warning: 100", "warning: 5")),
   ["indicators.yaml:46:15: indicators[0].measure.gauge_x: unknown field 'gauge_x' (hint: did you mean 'gauge'?)",
    "indicators.yaml:61:14: indicators[1].warning: the warning threshold 5 is below the target 10, but lower is good "
    "(hint: with good: lower, each level's threshold must be at or beyond the one before)"]),
]


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as raised:
        pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in AT_ONCE], ids=[case[0] for case in AT_ONCE])
def test_the_schema_and_the_checks_after_it_report_every_independent_problem_in_one_run(text, expected):
    assert problems_of(text) == expected


def test_the_rejected_responder_case_can_fail_unfiltered_the_level_naming_it_is_reported_too(monkeypatch):
    """The mutation proof of the second case: without the filter, the echo of the rejected entry appears."""
    monkeypatch.setattr(checks, "_names", lambda problem, rejected: False)
    assert "indicators.yaml:28:89: escalation.levels.critical.responders[0]: unknown responder 'pager' (hint: defined: lead)" \
        in problems_of(AT_ONCE[1][1])


WARNING_CASES = [
  ("a responder no level or team names is reported but compiles",
   hdr("  pager:\n", "  spare:\n    title: Spare\n    channels: [{email: {to: spare@example.com}}]\n  pager:\n"),
   [
       "indicators.yaml:36:5: warning: responders.spare: responder 'spare' is not notified by any level or team (hint: name it in escalation.levels.<level>.responders or teams.<team>.responders)",
   ]),
  ("a team's responders for a level its indicators raise are fine", hdr("  core: {title: Core}", "  core: {title: Core, responders: {red: [pager]}}"), []),
  # Deployment defaults (checks/deployment.py): each left unset is a warning; stated, even as the default, it is a choice.
  ("dashboard links to the default Grafana address are a warning", hdr('grafana_url: "https://grafana.example.com", ', ""),
   ["indicators.yaml:39:9: warning: output.grafana_url: not set, so every alert's dashboard_url and every dashboard link opens "
    "http://localhost:3000 (hint: set it to the address people open Grafana at, e.g. https://grafana.example.com)"]),
  ("a PrometheusRule without labels for the ruleSelector is a warning", hdr("rule_labels: {}, ", ""),
   ["indicators.yaml:39:66: warning: output.kubernetes.rule_labels: not set, so the PrometheusRules carry no labels and a "
    "Prometheus whose ruleSelector wants some (kube-prometheus-stack: release: <release>) never loads them (hint: set your "
    "Prometheus' ruleSelector labels, e.g. {release: kube-prometheus-stack}; {} if it selects every PrometheusRule)"]),
  ("the Secret kube-prometheus ships is a warning", hdr(", alertmanager: shop", ""),
   ["indicators.yaml:39:66: warning: output.kubernetes.alertmanager: not set, so the config goes into the Secret alertmanager-main, "
    "which kube-prometheus ships itself: two owners would overwrite each other's Alertmanager configuration (hint: name your "
    "own, e.g. alertmanager: mlops, and point the Alertmanager at alertmanager-mlops (kube-prometheus-stack: "
    "alertmanager.alertmanagerSpec.configSecret with useExistingSecret: true))"]),
  ("the default Alertmanager name, stated, is the user's choice", hdr("alertmanager: shop", "alertmanager: main"), []),
  ("without the kubernetes target no object can collide", hdr("output: {", "output: {targets: [docs, prometheus, alertmanager], ")
   .replace(", kubernetes: {rule_labels: {}, alertmanager: shop}", ""), []),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in WARNING_CASES], ids=[case[0] for case in WARNING_CASES])
def test_warnings_are_located_and_do_not_stop_the_compilation(text, expected):
    _, warnings = pipeline.load([("indicators.yaml", text.encode())], "indicators.yaml")
    assert [str(problem) for problem in warnings] == expected


DURATIONS = [("1h30m", True), ("1d12h", True), ("90m", True), ("500ms", True), ("1m30s500ms", True), ("2w", True),
             ("1m4m", False), ("30m1h", False), ("", False), ("5", False), ("1.5h", False), ("h", False)]


@pytest.mark.parametrize(("text", "valid"), DURATIONS)
def test_a_duration_is_what_prometheus_parses_and_the_schema_agrees(text, valid):
    assert durations.is_duration(text) is valid
    patterns = {node["pattern"] for node in schema_nodes() if "ms" in node.get("pattern", "")}
    assert patterns == {durations.PATTERN}

