"""The README's pre-commit configuration, run by real `pre-commit` in a fresh git repository
whose spec is not at the default path, against this repository as the hook repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER, INDICATOR, ROOT

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600)


def readme_config() -> str:
    """The README's .pre-commit-config.yaml, exactly as a user copies it."""
    (block,) = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", (ROOT / "README.md").read_text(), re.S)
    return block


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    """This repository's files as they are in the working tree (committed or not), committed in a
    repository of their own, so the test checks the hooks being changed; returns (path, commit)."""
    copy = tmp_path_factory.mktemp("hooks") / "indicator-compiler"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "hooks"]):
        assert run(GIT + command, copy).returncode == 0
    return copy, run(["git", "rev-parse", "HEAD"], copy).stdout.strip()


@pytest.fixture(scope="module")
def user_repository(hook_repository, tmp_path_factory) -> tuple[Path, dict]:
    """A new user's GitOps repository: the spec as one file per team in spec/, compiled into
    deploy/generated/, the README's configuration with the hook repository and commit filled in."""
    path, commit = hook_repository
    repo = tmp_path_factory.mktemp("user") / "gitops"
    (repo / "spec").mkdir(parents=True)
    (repo / "spec" / "00-base.yaml").write_text(HEADER)
    (repo / "spec" / "shop.yaml").write_text(INDICATOR)
    (repo / "notes.md").write_text("other files the hooks do not care about\n")
    config = readme_config().replace("https://github.com/<org>/indicator-compiler", str(path)).replace("<commit>", commit)
    (repo / ".pre-commit-config.yaml").write_text(config)
    generate(repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "spec"]):
        assert run(GIT + command, repo).returncode == 0
    assert run([sys.executable, "-m", "pre_commit", "install"], repo, env).returncode == 0
    return repo, env


def generate(repo: Path) -> None:
    compiled = run([sys.executable, "-m", "compiler", "generate", "spec/", "--out", "deploy/generated"], repo)
    assert compiled.returncode == 0, compiled.stderr


RENAMED = {"spec/shop.yaml": ("Queue Depth", "Queue Size")}
# (case, edits {file: (old, new)}, whether the user regenerates, git commit's exit code, shown, not shown)
CASES = [
    ("a spec edit with its regenerated files is committed", RENAMED, True, 0,
     ["indicators validate (the spec is valid)", "indicators check (generated files match the spec)", "Passed"], ["Skipped"]),
    ("a spec edit without regenerating is refused with the diff", RENAMED, False, 1,
     ["deploy/generated/grafana/", "Queue Size", "deploy/generated is stale"], []),
    ("an invalid spec is refused at its file and line", {"spec/shop.yaml": ("warning: 100", "warning: 1")}, False, 1,
     ["spec/shop.yaml:11:", "the warning threshold 1 is below the target 10"], []),
    ("a warning is refused, as the README's validate hook has --strict",
     {"spec/00-base.yaml": ("queue_depth: {type: gauge", "queue_depth_total: {type: gauge"),
      "spec/shop.yaml": ("series: queue_depth,", "series: queue_depth_total,")}, True, 1,
     ["warning: metrics.queue_depth_total: the gauge 'queue_depth_total' ends in _total",
      "error: spec: 1 warning (--strict: warnings are errors)"], []),
    ("a commit without YAML skips validate and still checks the output", {"notes.md": ("other", "some other")}, False, 0,
     ["indicators validate (the spec is valid)", "(no files to check)Skipped", "indicators check (generated files match the spec)",
      "Passed"], ["Failed"]),
]


@pytest.mark.parametrize(("edits", "regenerate", "code", "shown", "hidden"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_readmes_pre_commit_hooks_guard_a_spec_at_any_path(user_repository, edits, regenerate, code, shown, hidden):
    repo, env = user_repository
    base = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    for name, (old, new) in edits.items():
        (repo / name).write_text((repo / name).read_text().replace(old, new))
    if regenerate:
        generate(repo)
    run(["git", "add", "-A"], repo)
    result = run(GIT + ["commit", "-m", "edit"], repo, env)
    run(["git", "reset", "-q", "--hard", base], repo)  # each case starts from the same commit
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert [text for text in shown if text not in output] == [], output
    assert [text for text in hidden if text in output] == [], output


VERIFY = [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "manual", "--verbose", "indicators-verify"]
RULES = "deploy/generated/prometheus/platform_health.yaml"
# (case, edit of the committed generated rule file, exit code, shown)
VERIFY_CASES = [
    ("the generated files pass every validator", ("", ""), 0,
     ["indicators verify (promtool, amtool and vmalert accept the generated files)", "Passed",
      "amtool config routes test: 7 routing cases, 0 failed"]),
    ("a rule edited by hand fails, naming the file", ("queue_depth)", "queue_depth"), 1,
     ["Failed", f"{RULES}: promtool check rules failed", "error: deploy/generated: 5 checks failed"]),
]


@pytest.mark.parametrize(("edit", "code", "shown"), [c[1:] for c in VERIFY_CASES], ids=[c[0] for c in VERIFY_CASES])
def test_the_readmes_verify_hook_runs_the_validators_on_demand(user_repository, edit, code, shown):
    repo, env = user_repository
    rules = repo / RULES
    rules.write_text(rules.read_text().replace(*edit))
    run(["git", "add", "-A"], repo)  # pre-commit checks what is staged: it stashes the rest
    result = run(VERIFY, repo, env)
    run(["git", "reset", "-q", "--hard", "HEAD"], repo)
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert [text for text in shown if text not in output] == [], output


def test_the_gitops_workflow_steps_run_in_a_users_repository_which_has_no_makefile():
    """The numbered steps are what a user does in their own repository: `indicators` commands,
    never this repository's `make` targets."""
    section = (ROOT / "README.md").read_text().split("\n## GitOps workflow\n")[1].split("\nOther repositories")[0]
    commands = re.findall(r"`((?:make|indicators) [^`]*)`", section)
    assert [command for command in commands if not command.startswith("indicators ")] == []
    assert "indicators generate" in commands
