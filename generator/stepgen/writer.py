"""Writing the output tree so that a failure or an interruption changes nothing.

The new tree is assembled beside the output root: unchanged and foreign files are
hard-linked into it (their bytes and times untouched), changed files are written, and
owned files that are no longer produced are left out. The two directories are then
exchanged in one step (``renameat2`` with ``RENAME_EXCHANGE`` on Linux) and the old
one is removed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from stepgen.errors import OutputPathError
from stepgen.record import RECORD_NAME, Record, digest

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass
class WriteResult:
    """What a generation changed, by path relative to the output root."""

    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any file was written or deleted."""
        return bool(self.written or self.deleted)


def check_paths(out: Path, files: dict[str, bytes]) -> None:
    """Refuse any path that is absolute, climbs out, or lands outside ``out``."""
    root = out.resolve()
    # Each folder is resolved once; a file itself leaves only if it is a link.
    folders: dict[PurePosixPath, Path] = {}
    for name in files:
        pure = PurePosixPath(name)
        if (
            pure.is_absolute()
            or ".." in pure.parts
            or name != pure.as_posix()
            or not name
        ):
            raise OutputPathError(
                f"refusing to write {name!r}: not a plain relative path"
            )
        folder = folders.get(pure.parent)
        if folder is None:
            folder = folders[pure.parent] = (root / pure.parent).resolve()
        target = folder / pure.name
        if target.is_symlink():
            target = target.resolve()
        if not target.is_relative_to(root):
            raise OutputPathError(f"refusing to write {name!r}: it leaves {out}")
        if name == RECORD_NAME:
            raise OutputPathError(f"refusing to write {name!r}: the record's own name")


def write_tree(out: Path, files: dict[str, bytes], record: Record) -> WriteResult:
    """Make ``out`` hold ``files`` and ``record``; touch nothing else it holds.

    An output root that is a symbolic link stays one: its target is written.
    """
    writer = TreeWriter(out)
    try:
        return writer.finish(files, record)
    finally:
        writer.discard()


class TreeWriter:
    """Assembles the new tree beside ``out``, and swaps it in at :meth:`finish`.

    :meth:`stage` writes files known early (while the rest is still being made), so
    that only what comes last is written after it; until :meth:`finish` swaps the
    trees, ``out`` is untouched, and :meth:`discard` removes what was staged.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.resolve() if out.is_symlink() else out
        self.staging = self.out.parent / f".{self.out.name}.stepgen-new"
        self._old = self.out.parent / f".{self.out.name}.stepgen-old"
        self._staged: dict[str, bytes] = {}
        self._started = False

    def stage(self, files: dict[str, bytes]) -> None:
        """Write ahead those of ``files`` whose bytes differ from the output root's."""
        check_paths(self.out, files)
        changed = {
            name: data for name, data in files.items() if _read(self.out / name) != data
        }
        if changed:
            self._start()
        for name in sorted(changed):
            _write(self.staging / name, changed[name])
            self._staged[name] = changed[name]

    def finish(self, files: dict[str, bytes], record: Record) -> WriteResult:
        """Make the output root hold exactly ``files`` and ``record``; see
        :func:`write_tree`."""
        out = self.out
        check_paths(out, files)
        previous = Record.read(out)
        owned = set(previous.files) if previous else set()
        result = _plan(out, files, owned, self._staged)
        record.files = {name: digest(data) for name, data in files.items()}
        record_bytes = record.to_bytes()
        record_same = _read(out / RECORD_NAME) == record_bytes
        if not result.changed and record_same:
            return result
        self._start()
        written = set(result.written)
        for name in set(self._staged) - written:  # staged, then found unchanged
            (self.staging / name).unlink()
        _assemble(out, self.staging, files, written, set(result.deleted), self._staged)
        (self.staging / RECORD_NAME).write_bytes(record_bytes)
        _swap(self.staging, out, self._old)
        shutil.rmtree(self._old, ignore_errors=True)
        return result

    def discard(self) -> None:
        """Remove whatever was staged and not swapped in."""
        if self._started:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._started = False
            self._staged.clear()

    def _start(self) -> None:
        if self._started:
            return
        for leftover in (self.staging, self._old):
            shutil.rmtree(leftover, ignore_errors=True)
        self.staging.mkdir(parents=True)
        self._started = True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _plan(
    out: Path, files: dict[str, bytes], owned: set[str], staged: dict[str, bytes]
) -> WriteResult:
    result = WriteResult()
    for name, data in files.items():
        # A file staged with these bytes was found to differ from the output root's.
        if staged.get(name) != data and _read(out / name) == data:
            result.unchanged.append(name)
        else:
            result.written.append(name)
    result.deleted = sorted(
        name for name in owned - set(files) if (out / name).is_file()
    )
    return result


def _assemble(
    out: Path,
    staging: Path,
    files: dict[str, bytes],
    written: set[str],
    deleted: set[str],
    staged: dict[str, bytes],
) -> None:
    if out.is_dir():
        for source in sorted(out.rglob("*")):
            name = source.relative_to(out).as_posix()
            target = staging / name
            if source.is_dir() and not source.is_symlink():
                target.mkdir(exist_ok=True)
            elif name not in written and name not in deleted and name != RECORD_NAME:
                _link(source, target)
    for name in sorted(written):
        if staged.get(name) != files[name]:
            _write(staging / name, files[name])
    for name in sorted(deleted):
        _prune_empty(staging, (staging / name).parent)


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _swap(staging: Path, out: Path, old: Path) -> None:
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        os.rename(staging, old)
        return
    os.rename(out, old)
    os.rename(staging, out)


def _exchange(first: Path, second: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    status = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if status == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(second))
