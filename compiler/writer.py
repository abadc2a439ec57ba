"""The only module besides the CLI that touches the disk.

Writing is all or nothing: every file is first written to a staging folder beside the output,
and only moved into place once all of them were written. A manifest lists what the compiler
wrote, so files it no longer produces are removed and files it never wrote are never touched.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".indicators-manifest"
_MANIFEST_HEADER = "# Files written by indicator-compiler; it removes them when it no longer generates them.\n"


class WriteError(Exception):
    """Writing failed; the output folder is as it was."""


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]  # new or changed
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def _safe(relative: str) -> str:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or relative == MANIFEST:
        raise WriteError(f"refusing to write '{relative}': outside the output folder")
    return str(path)


def _inside(out: Path, relative: str) -> bool:
    """Whether `out/relative` stays in `out` once symlinks are followed."""
    return (out / relative).resolve().is_relative_to(out.resolve())


def previous_files(out: Path) -> set[str] | None:
    """What the compiler wrote last time, or None for a folder it did not create. A manifest
    line that leaves the folder (`../x`, an absolute path) is not the compiler's and is ignored,
    so an edited manifest can never make it remove a file outside `out`."""
    manifest = out / MANIFEST
    if manifest.is_file():
        listed = {line for line in manifest.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")}
        return {path for path in listed if _is_safe(path)}
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return set()
    return None


def _is_safe(relative: str) -> bool:
    try:
        return _safe(relative) == relative
    except WriteError:
        return False


def write(out: Path, files: dict[str, str]) -> WriteReport:
    files = {_safe(path): text for path, text in files.items()}
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} is not a folder")
    previous = previous_files(out)
    if previous is None:
        raise WriteError(f"refusing to write into {out}: it holds files indicator-compiler did not write "
                         f"(no {MANIFEST}); choose an empty or new folder")
    unchanged = tuple(sorted(p for p, text in files.items() if _read(out / p) == text))
    changed = tuple(sorted(p for p in files if p not in unchanged))
    removed = tuple(sorted(p for p in previous - set(files) if (out / p).is_file()))
    escaping = [p for p in changed + removed if out.exists() and not _inside(out, p)]
    if escaping:
        raise WriteError(f"refusing to write {out}/{escaping[0]}: a symbolic link leads it outside {out}")
    manifest = _MANIFEST_HEADER + "".join(f"{path}\n" for path in sorted(files))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".indicators-staging-", dir=out.parent))
    except OSError as err:
        raise WriteError(f"cannot create a staging folder beside {out}: {err.strerror or err}") from None
    try:
        (staging / "new").mkdir()
        for path in changed:
            target = staging / "new" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[path], encoding="utf-8")
        (staging / "new" / MANIFEST).write_text(manifest, encoding="utf-8")
        if not out.exists():
            (staging / "new").chmod(0o777 & ~_umask())  # mkdtemp's 0700 would become the output folder's mode
            (staging / "new").rename(out)
        else:
            _swap(out, staging, changed + (MANIFEST,), removed)
    except OSError as err:
        raise WriteError(f"cannot write {out}: {err.strerror or err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return WriteReport(changed, unchanged, removed)


def _swap(out: Path, staging: Path, changed: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """Move the staged files into `out` and the stale ones out of it, keeping every replaced
    file in staging/old; on the first failure (permission denied, disk full) put everything back."""
    moved: list[tuple[str, bool]] = []  # (path, whether a previous version was kept in staging/old)
    try:
        for path in changed + removed:
            target, old = out / path, staging / "old" / path
            kept = target.exists()
            if kept:
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, old)
            moved.append((path, kept))
            if path in changed:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / "new" / path, target)
    except OSError:
        for path, kept in reversed(moved):
            target = out / path
            if kept:
                os.replace(staging / "old" / path, target)
            else:
                target.unlink(missing_ok=True)
                _prune(out, target.parent)
        raise
    for path in removed:
        _prune(out, (out / path).parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _prune(out: Path, folder: Path) -> None:
    """Remove folders emptied by removing stale files, up to (not including) `out`."""
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def drift(out: Path, files: dict[str, str]) -> list[str]:
    """Unified diffs between what is on disk and what the spec compiles to; empty when in sync."""
    previous = previous_files(out) or set()
    diffs = []
    for path in sorted(set(files) | previous):
        want = files.get(path)
        have = _read(out / path)
        if want == have:
            continue
        diffs.append("".join(difflib.unified_diff(
            (have or "").splitlines(keepends=True), (want or "").splitlines(keepends=True),
            fromfile=f"{out}/{path}" if have is not None else "/dev/null",
            tofile=f"{out}/{path} (compiled)" if want is not None else "/dev/null",
        )) or f"{out}/{path}: differs\n")
    return diffs
