"""`indicators collect` (compiler/collect.py): dated records of the indicators no service emits,
checked against the metric catalogue of tests/collect/spec.yaml. A bad record is a located
problem and is left out; the rest become OpenMetrics that promtool backfills into a real
Prometheus, whose compiled rules compute the chapter's NPS from them."""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import servers
import yaml

from compiler import collect, conventions, pipeline

ROOT = Path(__file__).parent.parent
SPEC = Path(__file__).parent / "collect" / "spec.yaml"
NOW = datetime(2026, 11, 25, tzinfo=UTC).timestamp()
CSV_HEADER = "date,metric,value,team,category\n"


@pytest.fixture(scope="module")
def spec():
    return pipeline.compile_spec([(str(SPEC), SPEC.read_bytes())], SPEC.name).spec


def problems_of(spec, name: str, text: str) -> list[str]:
    return [str(problem) for problem in collect.collect([(name, text.encode())], spec, NOW)[1]]


BAD = [
  ("an unknown metric is named with the closest catalogued one", "s.csv",
   CSV_HEADER + "2026-11-20,mlops_survey_responsez,5,search,passive\n",
   ["s.csv:2:1: metric: unknown metric 'mlops_survey_responsez': not in the metric catalogue (hint: did you mean 'mlops_survey_responses'?)"]),
  ("a missing label is named", "s.csv", CSV_HEADER + "2026-11-20,mlops_survey_responses,5,search,\n",
   ["s.csv:2:1: category: 'mlops_survey_responses' has the label 'category'; this record has no value for it"]),
  ("a CSV record with more fields than the header is located, not read as a label named None", "s.csv",
   CSV_HEADER + "2026-11-20,mlops_survey_responses,5,search,passive,extra\n",
   ["s.csv:2:1: a record of 6 fields, more than the header's 5 columns (hint: quote a value that holds a comma)"]),
  ("a label the metric lacks is refused", "s.yaml", "- {date: 2026-11-20, metric: mlops_ml_team_size, value: 3, team: a, site: b}\n",
   ["s.yaml:1:1: site: 'mlops_ml_team_size' has no label 'site' (hint: its labels: team)"]),
  ("a value the catalogue does not declare is refused", "s.csv", CSV_HEADER + "2026-11-20,mlops_survey_responses,5,search,detracter\n",
   ["s.csv:2:1: category: 'detracter' is not a value of 'category' the catalogue declares (hint: declared: promoter, passive, detractor)"]),
  ("a value that is not a number is refused", "s.json", '[{"date": "2026-11-20", "metric": "mlops_ml_team_size", "value": "many", "team": "a"}]',
   ["s.json:1:1: value: 'many' is not a number, as the gauge 'mlops_ml_team_size' takes"]),
  ("a negative count is refused", "s.yaml", "- {date: 2026-11-20, metric: mlops_support_tickets_total, value: -1, team: a}\n",
   ["s.yaml:1:1: value: '-1' is not a count of 0 or more, as the counter 'mlops_support_tickets_total' takes"]),
  ("a histogram cannot be collected from one value", "s.yaml",
   "- {date: 2026-11-20, metric: mlops_time_to_production_seconds, value: 1, team: a}\n",
   ["s.yaml:1:1: metric: 'mlops_time_to_production_seconds' is a histogram; records carry one value, so only gauges and counters are collected"]),
  ("a date just after now is in the future", "s.yaml", "- {date: '2026-11-25T00:00:01Z', metric: mlops_ml_team_size, value: 3, team: a}\n",
   ["s.yaml:1:1: date: 2026-11-25T00:00:01Z is in the future (hint: records say what has happened)"]),
  ("a date at now is not", "s.yaml", "- {date: 2026-11-25, metric: mlops_ml_team_size, value: 3, team: a}\n", []),
  ("a time without its offset is refused", "s.yaml", "- {date: '2026-11-20T10:00', metric: mlops_ml_team_size, value: 3, team: a}\n",
   ["s.yaml:1:1: date: '2026-11-20T10:00' is not a date (2026-10-05) or an ISO 8601 time with its offset"]),
  ("a misspelled field is named with the one meant, not only as missing", "s.yaml",
   "- {datte: 2026-11-20, metric: mlops_ml_team_size, value: 3, team: a}\n",
   ["s.yaml:1:1: datte: unknown field 'datte' (hint: did you mean 'date'?)"]),
  ("a misspelled label is named with the one meant, not only as missing", "s.yaml",
   "- {date: 2026-11-20, metric: mlops_ml_team_size, value: 3, taem: a}\n",
   ["s.yaml:1:1: taem: 'mlops_ml_team_size' has no label 'taem' (hint: did you mean 'team'?)"]),
  ("a record without a value is refused", "s.yaml", "- {date: 2026-11-20, metric: mlops_ml_team_size, team: a}\n",
   ["s.yaml:1:1: value: a record needs date, metric, value; this one has no value"]),
  ("a second value of a series on one date is refused, pointing at the first", "s.csv",
   "date,metric,value,team\n2026-11-20,mlops_ml_team_size,3,a\n2026-11-20,mlops_ml_team_size,4,a\n",
   ["s.csv:3:1: date: a second value of this series on 2026-11-20 (hint: the first is at s.csv:2)"]),
  ("a CSV separated by ';', as a spreadsheet exports it in some locales, is refused once, naming its delimiter, not as records with no date",
   "s.csv", "date;metric;value;team\n2026-11-20;mlops_ml_team_size;3;a\n2026-11-21;mlops_ml_team_size;3,5;a\n",
   ["s.csv:1:1: the header's columns are separated by ';': records in CSV are comma-separated (hint: export it as "
    "comma-separated CSV (values with a decimal point, 3.8), or write the records as YAML)"]),
  ("a tab-separated file named .csv is refused the same way", "s.csv", "date\tmetric\tvalue\tteam\n2026-11-20\tmlops_ml_team_size\t3\ta\n",
   ["s.csv:1:1: the header's columns are separated by a tab: records in CSV are comma-separated (hint: export it as "
    "comma-separated CSV (values with a decimal point, 3.8), or write the records as YAML)"]),
  ("a CSV of one column that is not another delimiter's header is read as records", "s.csv", "date\n2026-11-20\n",
   ["s.csv:2:1: metric: a record needs date, metric, value; this one has no metric"]),
  ("records that are not a list are refused", "s.yaml", "date: 2026-11-20\n",
   ["s.yaml:1:1: records are a list of mappings (date, metric, value and the labels)"]),
]


@pytest.mark.parametrize(("name", "text", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_each_bad_record_is_reported_at_its_file_and_line(spec, name, text, expected):
    assert problems_of(spec, name, text) == expected


def test_the_good_records_are_written_beside_the_bad_ones_in_time_order(spec):
    text = CSV_HEADER + ("2026-11-20,mlops_survey_responses,30,search,detractor\n"
                         "2026-11-19,mlops_survey_responses,20,search,detractor\n"
                         "2026-11-20,mlops_survey_responses,5,search,detracter\n")
    samples, problems = collect.collect([("s.csv", text.encode())], spec, NOW)
    assert len(problems) == 1
    assert collect.openmetrics(samples, spec).splitlines() == [
        "# TYPE mlops_survey_responses gauge",
        "# HELP mlops_survey_responses Responses to the latest platform NPS survey, by promoter, passive or detractor.",
        f'mlops_survey_responses{{category="detractor",team="search"}} 20.0 {_midnight(2026, 11, 19):.3f}',
        f'mlops_survey_responses{{category="detractor",team="search"}} 30.0 {_midnight(2026, 11, 20):.3f}',
        "# EOF",
    ]


def _midnight(year: int, month: int, day: int) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


def test_the_command_reports_every_bad_record_writes_the_rest_and_exits_1(cli, tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "hr.csv").write_text("date,metric,value,team\n2026-11-20,mlops_ml_team_size,12,search\n2999-01-01,mlops_ml_team_size,1,search\n")
    (tmp_path / "records" / "notes.txt").write_text("not records")
    result = cli("collect", "records", "--spec", str(SPEC), "--out", "history.om")
    assert result.exit_code == 1
    assert "records/hr.csv:3:1: date: 2999-01-01 is in the future" in result.output
    assert "history.om: 1 record written, 1 left out" in result.output
    assert 'mlops_ml_team_size{team="search"} 12.0' in (tmp_path / "history.om").read_text()


def _day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


@pytest.mark.e2e
def test_backfilled_records_feed_the_compiled_rules_the_chapters_nps(tmp_path):
    compiled = pipeline.compile_spec([(str(SPEC), SPEC.read_bytes())], SPEC.name)
    records = CSV_HEADER + "".join(f"{day},mlops_survey_responses,{value},{team},{category}\n" for day, value, team, category in [
        (_day(4), 90, "search", "promoter"), (_day(4), 10, "search", "detractor"),  # an older survey: the latest counts
        (_day(1), 20, "search", "promoter"), (_day(1), 50, "search", "passive"), (_day(1), 30, "search", "detractor"),
        (_day(1), 30, "vision", "promoter"), (_day(1), 10, "vision", "passive"),  # no detractors: NPS 75
        (_day(1), 500, "vision", "detracter"),  # left out: it would make vision's NPS negative
    ])
    samples, problems = collect.collect([("survey.csv", records.encode())], compiled.spec, time.time())
    assert [problem.line for problem in problems] == [9]
    servers.backfill_openmetrics(collect.openmetrics(samples, compiled.spec), tmp_path / "data", tmp_path)
    for path, content in compiled.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    nps = next(i for i in compiled.spec.indicators if i.id == "nps")
    with servers.prometheus(tmp_path, sorted((tmp_path / "prometheus").glob("*.yaml")), [], flags=("--query.lookback-delta=3d",)) as prom:
        found = servers.wait_until(lambda: {s["metric"]["team"]: float(s["value"][1])
                                            for s in servers.query(prom.url, conventions.indicator_series(compiled.spec, nps))}, 30,
                                   "NPS is not recorded")
    assert found == {"search": -10.0, "vision": 75.0}


@pytest.mark.e2e
def test_served_records_are_scraped_and_read_anew_so_a_dropped_file_feeds_the_rules_next(tmp_path):
    compiled = pipeline.compile_spec([(str(SPEC), SPEC.read_bytes())], SPEC.name)
    for path, content in compiled.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "search.csv").write_text(CSV_HEADER + "".join(f"{day},mlops_survey_responses,{value},search,{category}\n" for day, value, category in [
        (_day(4), 90, "promoter"), (_day(4), 10, "detractor"),  # an older survey: each series' newest record is served
        (_day(1), 20, "promoter"), (_day(1), 50, "passive"), (_day(1), 30, "detractor"),
        (_day(1), 500, "detracter"),  # left out, reported once
    ]))
    nps = conventions.indicator_series(compiled.spec, next(i for i in compiled.spec.indicators if i.id == "nps"))

    def recorded():
        return {s["metric"]["team"]: float(s["value"][1]) for s in servers.query(prom.url, nps)}

    with servers.collector(tmp_path, SPEC, folder) as source, \
            servers.prometheus(tmp_path, sorted((tmp_path / "prometheus").glob("*.yaml")), [source.url.removeprefix("http://")]) as prom:
        assert servers.wait_until(recorded, 30, "NPS is not recorded") == {"search": -10.0}
        # vision's survey arrives as a file dropped into the folder: no restart
        (folder / "vision.yaml").write_text(f"- {{date: {_day(1)}, metric: mlops_survey_responses, value: 30, team: vision, category: promoter}}\n"
                                            f"- {{date: {_day(1)}, metric: mlops_survey_responses, value: 10, team: vision, category: passive}}\n")
        found = servers.wait_until(lambda: (values := recorded()).get("vision") is not None and values, 30, "vision's NPS is not recorded")
        scraped = servers.query(prom.url, 'mlops_survey_responses{team="search", category="promoter"}')
        log = source.logs()
    assert found == {"search": -10.0, "vision": 75.0}
    assert float(scraped[0]["value"][1]) == 20.0
    assert log.count("search.csv:7:1: category: 'detracter' is not a value of 'category' the catalogue declares") == 1, log


@pytest.mark.parametrize("args, message", [
    (("--serve", "9464"), "--serve '9464': expected HOST:PORT"),
    (("--serve", "127.0.0.1:99999"), "--serve '127.0.0.1:99999': expected HOST:PORT"),
    (("--serve", "127.0.0.1:9464", "--out", "x.om"), "give --out or --serve, not both"),
])
def test_a_bad_serve_address_is_bad_usage(args, message, cli, tmp_path):
    (tmp_path / "r.csv").write_text(CSV_HEADER)
    result = cli("collect", "r.csv", "--spec", str(SPEC), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_the_readmes_scrape_config_keeps_a_records_cluster_where_the_target_has_its_own(tmp_path):
    """The README's people-metrics job, scraping `collect --serve` with a `cluster` label on the
    target (as Prometheus gives its targets one): with its `honor_labels: true` the record's
    cluster is the series' own; without it Prometheus renames it to exported_cluster."""
    (block,) = re.findall(r"```yaml\n(scrape_configs:[^\n]*# prometheus\.yml\n.*?)```", (ROOT / "README.md").read_text(), re.S)
    (job,) = yaml.safe_load(block)["scrape_configs"]
    assert job["honor_labels"] is True
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "s.csv").write_text("date,metric,value,team,category,cluster\n" + f"{_day(1)},mlops_survey_responses,20,search,promoter,eu-1\n")
    found = {}
    with servers.collector(tmp_path, ROOT / "indicators.yaml", folder) as source:
        for honored in (True, False):
            workdir = tmp_path / f"honor-{honored}"
            workdir.mkdir()
            scrape = {**job, "scrape_interval": "1s", "static_configs": [{"targets": [source.url.removeprefix("http://")], "labels": {"cluster": "target"}}]}
            if not honored:
                del scrape["honor_labels"]
            (workdir / "prometheus.yml").write_text(yaml.safe_dump({"scrape_configs": [scrape]}))
            port = servers.free_port()
            command = [servers.binary("prometheus"), f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
                       f"--web.listen-address={servers.LOOPBACK}:{port}"]
            with servers._process("prometheus", command, f"http://{servers.LOOPBACK}:{port}", "/-/ready", workdir) as prom:
                (series,) = servers.wait_until(lambda: servers.query(prom.url, "mlops_survey_responses"), 30, "the record is not scraped")
            found[honored] = {k: v for k, v in series["metric"].items() if "cluster" in k}
            shutil.rmtree(workdir / "data", ignore_errors=True)
    assert found == {True: {"cluster": "eu-1"}, False: {"cluster": "target", "exported_cluster": "eu-1"}}
