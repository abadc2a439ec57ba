"""The only module besides the CLI that touches the disk.

Writing is all or nothing, even under `kill -9`: the whole new output folder is built in a
staging folder beside it (changed files written, every other file hard-linked from the old
folder, so files the compiler did not write come along untouched), then the two folders are
exchanged in one atomic step (Linux `renameat2(RENAME_EXCHANGE)`, macOS `renamex_np(RENAME_SWAP)`).
At every instant `out` is the old folder or the new one, never a mix. `out` stays a real
folder (users commit it), which rules out switching a symbolic link.

A staging folder left by a killed run is removed by the next run, which knows it is stale
because no process holds its lock. A manifest lists what the compiler wrote, so files it no
longer produces are removed and files it never wrote are never touched.
"""

from __future__ import annotations

import ctypes
import difflib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".indicators-manifest"
_MANIFEST_HEADER = "# Files written by indicator-compiler; it removes them when it no longer generates them.\n"
STAGING_PREFIX = ".indicators-staging-"


class WriteError(Exception):
    """Writing (or, for `check`, reading) refused or failed; the output folder is as it was."""


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


def previous_files(out: Path) -> set[str] | None:
    """What the compiler wrote last time, or None for a folder it did not create. A manifest
    line that leaves the folder (`../x`, an absolute path) is not the compiler's and is ignored,
    so an edited manifest can never make it remove a file outside `out`."""
    manifest = out / MANIFEST
    if manifest.is_file() and not manifest.is_symlink():
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


def _refuse_links(out: Path, paths, verb: str) -> None:
    """Neither `generate` nor `check` follows a symbolic link or replaces a user's folder: a
    link committed under generated/ could make CI write, or print, any file the runner can read."""
    if out.is_symlink():
        raise WriteError(f"refusing to {verb} {out}: it is a symbolic link; give --out the folder itself")
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} is not a folder")
    folders: set[str] = set()  # folders on the way already found to be real folders (or absent)
    for path in sorted(paths):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            here = "/".join(parts[:depth])
            if here in folders:
                continue
            mode = _mode(out / here)
            if stat.S_ISLNK(mode):
                link = out / here
                leads = "outside" if not link.resolve().is_relative_to(out.resolve()) else "elsewhere in"
                raise WriteError(f"refusing to {verb} {out}/{path}: {link} is a symbolic link, which leads {leads} {out}")
            if depth == len(parts):
                if stat.S_ISDIR(mode):
                    raise WriteError(f"refusing to {verb} {out}/{path}: it is a folder the compiler did not write; move it away")
            elif stat.S_ISREG(mode):
                raise WriteError(f"refusing to {verb} {out}/{path}: {out / here} is a file, not a folder; move it away")
            else:
                folders.add(here)


def _mode(path: Path) -> int:
    """The path's own type bits (a link is not followed); 0 when nothing is there."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return 0


def _symlink_on(out: Path, relative: str) -> Path | None:
    """The first symbolic link on the way from `out` to `out/relative`, if any."""
    parts = PurePosixPath(relative).parts
    return next((here for here in (out.joinpath(*parts[:depth]) for depth in range(1, len(parts) + 1)) if here.is_symlink()), None)


def write(out: Path, files: dict[str, str]) -> WriteReport:
    files = {_safe(path): text for path, text in files.items()}
    _refuse_links(out, files, "write")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(out)
    except OSError as err:
        raise WriteError(f"cannot write {out}: {err.strerror or err}") from None
    previous = previous_files(out)
    if previous is None:
        raise WriteError(f"refusing to write into {out}: it holds files indicator-compiler did not write "
                         f"(no {MANIFEST}); choose an empty or new folder")
    # a listed file that is now a link or a folder is not the compiler's any more: left alone
    stale = {p for p in previous - set(files) if _symlink_on(out, p) is None and (out / p).is_file()}
    unchanged = {p for p, text in files.items() if _read(out / p) == text}
    changed = tuple(sorted(p for p in files if p not in unchanged))
    manifest = _MANIFEST_HEADER + "".join(f"{path}\n" for path in sorted(files))
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{out.name}-", dir=out.parent))
    except OSError as err:
        raise WriteError(f"cannot create a staging folder beside {out}: {err.strerror or err}") from None
    lock = os.open(staging, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until this run ends: the next run knows the folder is not stale
        tree = staging / "tree"
        _build(out, tree, files, unchanged, stale)
        (tree / MANIFEST).write_text(manifest, encoding="utf-8")
        if out.exists():
            _switch(tree, out, staging)
        else:
            os.rename(tree, out)
    except OSError as err:
        raise WriteError(f"cannot write {out}: {err.strerror or err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)
    return WriteReport(changed, tuple(sorted(unchanged)), tuple(sorted(stale)))


def _build(out: Path, tree: Path, files: dict[str, str], unchanged: set[str], stale: set[str]) -> None:
    """The new output folder: the old one's folders and every file the compiler does not
    (re)write hard-linked (copied where a link is not allowed), then the compiler's files."""
    os.mkdir(tree)
    emptied: list[Path] = []  # folders that held something before: pruned if nothing is left in them
    if out.exists():
        os.chmod(tree, out.stat().st_mode & 0o7777)
        for folder, folders, names in os.walk(out, onerror=_raise):  # an unreadable folder must not vanish
            relative = Path(folder).relative_to(out)
            for name in folders + names:
                source, target, path = Path(folder, name), tree / relative / name, (relative / name).as_posix()
                if source.is_symlink():
                    os.symlink(os.readlink(source), target)
                elif source.is_dir():
                    os.mkdir(target)
                    os.chmod(target, source.stat().st_mode & 0o7777)
                    if any(source.iterdir()):
                        emptied.append(target)
                elif path not in files and path not in stale and path != MANIFEST:
                    _link(source, target)
    made: set[Path] = set()
    for path, text in sorted(files.items()):
        target = tree / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if path in unchanged:
            _link(out / path, target)
        else:
            target.write_text(text, encoding="utf-8")
    for emptied_folder in sorted(emptied, key=lambda f: len(f.parts), reverse=True):  # deepest first
        if not any(emptied_folder.iterdir()):
            emptied_folder.rmdir()


def _raise(err: OSError) -> None:
    raise err


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # another owner's file under fs.protected_hardlinks, or a filesystem without links
        shutil.copy2(source, target, follow_symlinks=False)


def _switch(tree: Path, out: Path, staging: Path) -> None:
    """Put `tree` at `out` and the old folder in staging, atomically where the filesystem can
    exchange two folders. Elsewhere (NFS, some FUSE mounts) with two renames; a kill between
    them leaves `out` missing until the next run puts the old folder back (_remove_stale_staging)."""
    try:
        _exchange(tree, out)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise
        os.rename(out, staging / "old")
        try:
            os.rename(tree, out)
        except OSError:
            os.rename(staging / "old", out)
            raise


_AT_FDCWD, _RENAME_EXCHANGE, _RENAME_SWAP = -100, 2, 2


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step, or OSError (ENOSYS where the C library has no such call)."""
    libc = ctypes.CDLL(None, use_errno=True)
    a, b = os.fsencode(first), os.fsencode(second)
    if hasattr(libc, "renameat2"):
        result = libc.renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE)
    elif hasattr(libc, "renamex_np"):
        result = libc.renamex_np(a, b, _RENAME_SWAP)
    else:
        raise OSError(errno.ENOSYS, "no atomic exchange of two folders here")
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(second))


def _remove_stale_staging(out: Path) -> None:
    """Remove the staging folders of runs that were killed (no process holds their lock); put
    the old folder back first if a run was killed between the two renames of _switch."""
    for staging in out.parent.glob(f"{STAGING_PREFIX}{out.name}-*"):
        if staging.is_symlink() or not staging.is_dir():
            continue
        lock = os.open(staging, os.O_RDONLY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a run that is still writing
        finally:
            os.close(lock)
        if (staging / "old").is_dir() and not out.exists():
            os.rename(staging / "old", out)
        shutil.rmtree(staging)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def drift(out: Path, files: dict[str, str]) -> list[str]:
    """Unified diffs between what is on disk and what the spec compiles to; empty when in sync.
    It reads nothing through a symbolic link (WriteError), so a link cannot make it print a file."""
    _refuse_links(out, files, "read")
    previous = previous_files(out) or set()
    _refuse_links(out, previous, "read")
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
