"""The writer under `kill -9`, with links and folders it did not write, and on filesystems
without an atomic exchange. A run is killed at every filesystem step it takes (each mkdir, link,
write, rename, unlink, the exchange itself): after each kill, --out is exactly the old or the
new folder, and the next run leaves no staging folder behind."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
from pathlib import Path

import pytest
from conftest import spec_text

from compiler import writer
from compiler.cli import main

# docs and rules only keep the kill test quick: 3 folders and 5 files, 2 of them changed
OLD = spec_text().replace("output: {", "output: {targets: [docs, prometheus], ")
NEW = OLD.replace("Queue Depth", "Queue Size")
STEPS = ("mkdir", "rmdir", "link", "symlink", "rename", "replace", "unlink", "chmod", "open")  # os calls that change the disk


def snapshot(out: Path) -> dict[str, object] | None:
    """Every entry under `out`: a file's bytes, a link's target, a folder."""
    if not out.exists():
        return None
    return {str(path.relative_to(out)): (("link", os.readlink(path)) if path.is_symlink() else "folder" if path.is_dir()
                                         else path.read_bytes()) for path in sorted(out.rglob("*"))}


def generate_killed_at(step: int, spec: Path, out: Path, write=None) -> bool:
    """Run `indicators generate` in a forked child that SIGKILLs itself just before the
    `step`-th filesystem call of the write; whether it was killed (False: it finished first)."""
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        try:
            count = [0, False]

            def counted(function):
                def run(*args, **kwargs):
                    if count[1]:
                        count[0] += 1
                        if count[0] == step:
                            os.kill(os.getpid(), signal.SIGKILL)
                    return function(*args, **kwargs)
                return run

            for name in STEPS:
                setattr(os, name, counted(getattr(os, name)))
            Path.write_text = counted(Path.write_text)
            writer._exchange = counted(writer._exchange)
            real_write = write or writer.write

            def started(*args):
                count[1] = True
                return real_write(*args)

            writer.write = started
            main(["generate", str(spec), "--out", str(out)], standalone_mode=False)
        finally:
            os._exit(0)
    _, status = os.waitpid(child, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def kill_at_every_step(tmp_path: Path, write=None) -> tuple[int, list[int]]:
    """Kill generate OLD -> NEW at step 1, 2, ... until a run finishes; the number of steps
    and the steps after which --out was neither the old nor the new folder."""
    spec, out = tmp_path / "indicators.yaml", tmp_path / "generated"

    def generate(text: str) -> None:
        spec.write_text(text)
        assert main(["generate", str(spec), "--out", str(out)], standalone_mode=False) is None

    generate(NEW)
    new = snapshot(out)
    generate(OLD)
    (out / "notes").mkdir()
    (out / "notes" / "mine.txt").write_text("the user's")  # files the compiler did not write come along
    (out / "notes" / "latest").symlink_to("mine.txt")
    old = snapshot(out)
    new.update({key: value for key, value in old.items() if key.startswith("notes")})
    mixed, step = [], 0
    while True:
        step += 1
        spec.write_text(NEW)
        killed = generate_killed_at(step, spec, out, write)
        if snapshot(out) not in (old, new):
            mixed.append(step)
        generate(OLD)  # the next run cleans up after the killed one
        assert sorted(p.name for p in tmp_path.iterdir()) == ["generated", "indicators.yaml"], step
        assert snapshot(out) == old, step
        if not killed:
            return step, mixed


def test_generate_killed_at_any_step_leaves_the_old_or_the_new_folder_and_the_next_run_cleans_up(tmp_path):
    steps, mixed = kill_at_every_step(tmp_path)
    assert steps > 40 and mixed == []


def naive_write(out: Path, files: dict[str, str]) -> writer.WriteReport:
    """What the kill test must catch: files replaced in place one after the other."""
    for path, text in sorted(files.items()):
        (out / path).write_text(text)
    (out / writer.MANIFEST).write_text("".join(f"{path}\n" for path in sorted(files)))
    return writer.WriteReport(tuple(files), (), ())


def test_the_kill_test_can_fail_a_writer_that_replaces_files_one_by_one_is_caught(tmp_path):
    steps, mixed = kill_at_every_step(tmp_path, naive_write)
    assert mixed and len(mixed) < steps


def no_exchange(first, second):
    """What renameat2 says on NFS and some FUSE mounts, where _switch falls back to two renames."""
    raise OSError(errno.EINVAL, "Invalid argument")


def test_without_an_atomic_exchange_a_kill_between_the_renames_is_repaired_by_the_next_run(cli, monkeypatch):
    monkeypatch.setattr(writer, "_exchange", no_exchange)
    Path("indicators.yaml").write_text(OLD)
    assert cli("generate").exit_code == 0
    Path("generated/mine.txt").write_text("the user's")
    Path("indicators.yaml").write_text(NEW)
    assert cli("generate").exit_code == 0
    assert "Queue Size" in Path("generated/docs/indicators.md").read_text() and Path("generated/mine.txt").exists()
    # what a kill between the two renames leaves: no generated/, the old folder in a staging folder
    staging = Path(".indicators-staging-generated-killed")
    staging.mkdir()
    Path("generated").rename(staging / "old")
    Path("indicators.yaml").write_text(OLD)
    assert cli("generate").exit_code == 0
    assert Path("generated/mine.txt").read_text() == "the user's" and not staging.exists()


def test_without_an_atomic_exchange_a_failing_second_rename_puts_the_old_folder_back(cli, monkeypatch):
    Path("indicators.yaml").write_text(OLD)
    assert cli("generate").exit_code == 0
    before = snapshot(Path("generated"))
    rename = os.rename

    def refuse_the_new_folder(source, target):
        if Path(source).name == "tree":
            raise OSError(errno.EACCES, "Permission denied")
        rename(source, target)

    monkeypatch.setattr(writer, "_exchange", no_exchange)
    monkeypatch.setattr(os, "rename", refuse_the_new_folder)
    Path("indicators.yaml").write_text(NEW)
    result = cli("generate")
    assert (result.exit_code, result.output) == (1, "error: cannot write generated: Permission denied\n")
    assert snapshot(Path("generated")) == before and not list(Path(".").glob(".indicators-staging-*"))


def test_a_staging_folder_of_a_run_still_writing_is_left_alone(cli):
    Path("indicators.yaml").write_text(OLD)
    running = Path(".indicators-staging-generated-running")
    running.mkdir()
    lock = os.open(running, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert cli("generate").exit_code == 0
        assert running.exists()
    finally:
        os.close(lock)
    assert cli("generate").exit_code == 0 and not running.exists()


def make_link_out(out: Path) -> None:
    (out / "docs" / "indicators.md").unlink()
    (out / "docs" / "indicators.md").symlink_to("/etc/passwd")


def make_link_inside(out: Path) -> None:
    (out / "docs" / "indicators.md").unlink()
    (out / "docs" / "indicators.md").symlink_to("alertmanager-routing.md")


def make_user_folder(out: Path) -> None:
    (out / "docs" / "indicators.md").unlink()
    (out / "docs" / "indicators.md").mkdir()
    (out / "docs" / "indicators.md" / "draft.txt").write_text("mine")


def make_file_for_folder(out: Path) -> None:
    for path in (out / "docs").iterdir():
        path.unlink()
    (out / "docs").rmdir()
    (out / "docs").write_text("mine")


def make_folder_a_link(out: Path) -> None:
    (out / "docs").rename("docs-elsewhere")
    (out / "docs").symlink_to(Path("docs-elsewhere").resolve())


def make_out_a_link(out: Path) -> None:
    out.rename("real")
    out.symlink_to("real")


REFUSALS = [
    ("a link out of the folder", make_link_out,
     "refusing to {verb} generated/docs/indicators.md: generated/docs/indicators.md is a symbolic link, which leads outside generated"),
    ("a link within the folder", make_link_inside,
     "refusing to {verb} generated/docs/indicators.md: generated/docs/indicators.md is a symbolic link, which leads elsewhere in generated"),
    ("a user's folder at a generated path", make_user_folder,
     "refusing to {verb} generated/docs/indicators.md: it is a folder the compiler did not write; move it away"),
    ("a user's file where a generated folder goes", make_file_for_folder,
     "refusing to {verb} generated/docs/indicators.md: generated/docs is a file, not a folder; move it away"),
    ("a link on the way to a generated file", make_folder_a_link,
     "refusing to {verb} generated/docs/indicators.md: generated/docs is a symbolic link, which leads outside generated"),
    ("--out itself a link", make_out_a_link, "refusing to {verb} generated: it is a symbolic link; give --out the folder itself"),
]


@pytest.mark.parametrize(("command", "verb"), [("generate", "write"), ("check", "read")])
@pytest.mark.parametrize(("make", "message"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_generate_and_check_follow_no_link_and_replace_no_folder_of_the_user(cli, command, verb, make, message):
    Path("indicators.yaml").write_text(OLD)
    assert cli("generate").exit_code == 0
    make(Path("generated"))
    before = snapshot(Path("generated").resolve())
    result = cli(command)
    assert (result.exit_code, result.output) == (1, f"error: {message.format(verb=verb)}\n")
    assert "root:" not in result.output and snapshot(Path("generated").resolve()) == before
