"""Reading a manifest as it was at a git revision, with the prompt files it names.

The manifest at the same path relative to the repository root is copied out of the
revision into a folder of its own, beside its prompt files, so that it loads exactly
like a manifest on disk. Git is only read, never changed.
"""

from __future__ import annotations

import json
import posixpath
import subprocess
from pathlib import Path

from stepgen.errors import StepgenError


class RevisionError(StepgenError):
    """The manifest could not be read at a git revision."""


def manifest_at(ref: str, manifest: Path, into: Path) -> tuple[Path, str]:
    """Copy the manifest at ``ref`` and its prompt files below ``into``.

    ``manifest`` is the working copy's path; the same path, relative to the root of
    its repository, is read at ``ref``. Returns the copy's path and the name to show
    for it (``REF:path``). Raises :class:`RevisionError` when git, the repository, the
    revision or the file cannot be found.
    """
    folder = manifest.resolve().parent
    if not folder.is_dir():
        raise RevisionError(f"{manifest.parent} is not a folder")
    root = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    try:
        relative = manifest.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise RevisionError(f"{manifest} lies outside the repository {root}") from None
    if not ref or ref.startswith("-"):
        raise RevisionError(f"{ref!r} is not a git revision")
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    text = _git(root, "show", f"{ref}:{relative}")
    target = into / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text)
    base = posixpath.dirname(relative)
    for name in _prompt_files(text):
        path = posixpath.normpath(posixpath.join(base, name))
        if path.startswith("../") or path == ".." or posixpath.isabs(name):
            continue
        try:
            content = _git(root, "show", f"{ref}:{path}")
        except RevisionError:
            continue
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_bytes(content)
    return target, f"{ref}:{relative}"


def _prompt_files(text: bytes) -> list[str]:
    """The prompt files a manifest names; none when it is not JSON (load says why)."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    stages = data.get("stages") if isinstance(data, dict) else None
    names = []
    for stage in stages if isinstance(stages, list) else []:
        config = stage.get("config") if isinstance(stage, dict) else None
        prompt = config.get("prompt") if isinstance(config, dict) else None
        if isinstance(prompt, dict) and isinstance(prompt.get("file"), str):
            names.append(prompt["file"])
    return names


def _git(folder: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise RevisionError(f"cannot run git: {error.strerror or error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if args[:2] == ("rev-parse", "--verify"):
            message = f"unknown revision {args[-1].removesuffix('^{commit}')!r}"
        raise RevisionError(message or f"git {' '.join(args)} failed")
    return done.stdout
