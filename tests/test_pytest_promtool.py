"""The promtool pytest plugin, run by pytest's own pytester against real promtool."""

from __future__ import annotations

import textwrap

import pytest

RULES = textwrap.dedent("""\
    groups:
      - name: example
        rules:
          - alert: QueueTooDeep
            expr: queue_depth > 10
            for: 5m
            labels: {severity: warning}
    """)

TESTS = textwrap.dedent("""\
    rule_files: [rules/example.yaml]
    evaluation_interval: 1m
    tests:
      - name: fires after five minutes
        interval: 1m
        input_series:
          - {series: 'queue_depth{model="a"}', values: '20x10'}
        alert_rule_test:
          - eval_time: 10m
            alertname: QueueTooDeep
            exp_alerts: [{exp_labels: {severity: warning, model: a}}]
      - name: stays quiet below the threshold
        interval: 1m
        input_series:
          - {series: 'queue_depth{model="a"}', values: '5x10'}
        alert_rule_test:
          - {eval_time: 10m, alertname: QueueTooDeep, exp_alerts: []}
    """)


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"rules/example": RULES})
    pytester.makefile(".promtest.yaml", example=TESTS)
    return pytester


def test_each_test_group_becomes_one_passing_item(project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = project.runpytest("-v")
    result.stdout.fnmatch_lines(["*example.promtest.yaml::fires after five minutes PASSED*",
                                 "*example.promtest.yaml::stays quiet below the threshold PASSED*"])
    result.assert_outcomes(passed=2)


def test_a_failing_group_shows_promtools_expected_and_got(project):
    project.makefile(".promtest.yaml", example=TESTS.replace("'5x10'", "'50x10'"))
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*group 'stays quiet below the threshold') failed:*", "*exp:[]*", "*got:[*",
                                 '*alertname="QueueTooDeep"*'])


MISSING = [
    ("outside CI a missing promtool skips with the install hint", [], {}, {"skipped": 2}),
    ("--promtool-required makes a missing promtool fail", ["--promtool-required"], {}, {"errors": 2}),
    ("in CI a missing promtool fails", [], {"CI": "true"}, {"errors": 2}),
]


@pytest.mark.parametrize(("args", "env", "outcome"), [case[1:] for case in MISSING], ids=[case[0] for case in MISSING])
def test_a_missing_promtool(project, monkeypatch, args, env, outcome):
    monkeypatch.delenv("CI", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = project.runpytest("-rsE", "--promtool=/nonexistent/promtool", *args)
    result.assert_outcomes(**outcome)
    result.stdout.fnmatch_lines(["*promtool not found: install it (Debian/Ubuntu: apt-get install prometheus*"])


def test_promtool_can_be_named_by_the_environment(project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PROMTOOL", "/nonexistent/promtool")
    project.runpytest().assert_outcomes(skipped=2)


def test_the_file_pattern_is_configurable(pytester):
    pytester.makefile(".yaml", **{"rules/example": RULES})
    pytester.makefile(".yaml", example_rules_test=TESTS)
    pytester.makeini("[pytest]\npromtool_test_files = *_rules_test.yaml\n")
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_file_without_tests_is_a_collection_error(pytester):
    pytester.makefile(".promtest.yaml", broken="rule_files: []\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*a promtool test file is a mapping with a 'tests' list*"])


MALFORMED = [
    ("a test group that is a list", "rule_files: []\ntests: [[a, b]]\n", "tests[0] is a mapping (a test group), not list"),
    ("a test group that is a string", "tests: [fires]\n", "tests[0] is a mapping (a test group), not str"),
    ("rule_files as a string", "rule_files: rules.yaml\ntests: []\n", "'rule_files' is a list of file names or patterns"),
    ("rule_files holding a mapping", "rule_files: [{a: b}]\ntests: []\n", "'rule_files' is a list of file names or patterns"),
    ("nesting beyond the recursion limit", "tests: " + "[" * 5000 + "]" * 5000 + "\n", "not a readable promtool test file: maximum recursion depth exceeded*"),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_a_malformed_test_file_is_one_collection_error_with_its_reason(pytester, text, message):
    pytester.makefile(".promtest.yaml", broken=text)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*broken.promtest.yaml: {message.replace('[', '[[]')}"])
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize("pattern", ["../outside/secret.yaml", "{outside}/secret.yaml", "../outside/*.yaml", "rules/linked.yaml"])
def test_a_rule_file_outside_the_repository_is_never_read(pytester, pattern):
    """promtool would print the file it cannot parse: a pull request must not make CI print one
    outside the repository, neither by path, by pattern, nor through a symbolic link."""
    outside = pytester.path.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text("password: hunter2\n")
    pytester.mkdir("rules")
    (pytester.path / "rules" / "linked.yaml").symlink_to(outside / "secret.yaml")
    pytester.makefile(".promtest.yaml", test=TESTS.replace("rules/example.yaml", pattern.format(outside=outside)))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*test.promtest.yaml: rule_files '{pattern.format(outside=outside)}' leads outside "
                                 f"{pytester.path.resolve()} (to {outside.resolve()}*); rule files must be in the repository"])
    result.stdout.no_fnmatch_line("*hunter2*")
