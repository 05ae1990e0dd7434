"""The builds' folders on disk: the CURRENT pointer, atomic and durable writes, the build lock and pruning.

Layout of `index_dir`:

    CURRENT                  name of the live build (replaced atomically)
    .CURRENT.<pid>.tmp       CURRENT being replaced; removed at start-up if its process died
    builds/<build-id>/       one complete build: manifest.json and its files
    builds/.tmp-<build-id>/  a build in progress; never read, removed on the next build
    models/                  ONNX exports of the encoder (and .tmp-onnx-<pid>/ exports in progress)

A build is written into a temporary folder, fsynced, renamed, and only then named in
CURRENT, so a crash at any point leaves the previous build serving.
"""

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexCorrupt, IndexMissing

BUILD_NAME = re.compile(rb"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")


def current_build(index_dir: Path) -> Path:
    """The folder of the live build, or IndexMissing."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"No index has been built in {index_dir}.")
    if not pointer.is_file():
        raise IndexCorrupt(
            f"{pointer} is not a file: it should name the live build. Remove it and run `qa index build`."
        )
    name = pointer.read_bytes().strip()
    if not name:
        raise IndexCorrupt(f"{pointer} is empty: it should name the live build. Run `qa index build`.")
    if not BUILD_NAME.fullmatch(name):
        raise IndexCorrupt(f"{pointer} does not hold a build name ({name[:40]!r}). Run `qa index build`.")
    build = index_dir / "builds" / name.decode("ascii")
    if not build.is_dir():
        raise IndexCorrupt(f"{pointer} names a build that does not exist ({build.name}). Run `qa index build`.")
    return build


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time in `index_dir`: an exclusive lock on its .build.lock file."""
    with (index_dir / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write(path: Path, content: str) -> None:
    """Replace `path` with `content` in one step, durably: a reader sees the old file or the new one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def fsync_tree(folder: Path) -> None:
    """Flush every file under `folder`, and the folder itself, to disk."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def recent_builds(index_dir: Path, count: int) -> list[str]:
    """The names of the newest `count` complete builds, oldest first."""
    names = sorted(p.name for p in (index_dir / "builds").iterdir() if p.is_dir() and not p.name.startswith("."))
    return names[-count:]


def prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old builds and abandoned temporary folders (a build in flight holds the lock)."""
    for path in (index_dir / "builds").iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
