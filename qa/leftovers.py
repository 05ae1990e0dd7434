"""Temporary files and folders named after the process that wrote them, removed once it is gone."""

import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger("qa.leftovers")


def remove_abandoned(folder: Path, prefix: str, suffix: str = "") -> None:
    """Delete `<prefix><pid><suffix>` entries of `folder` whose process no longer runs.

    They are left by a kill or a full disk in the middle of a write (an ONNX export, a
    CURRENT update); a process that still runs may be writing its own, so it is left alone.
    """
    if not folder.is_dir():
        return
    for path in folder.glob(f"{prefix}*{suffix}"):
        owner = path.name.removeprefix(prefix).removesuffix(suffix)
        if owner.isdigit() and _running(int(owner)):
            continue
        log.info("Removing %s, left by a process that ended.", path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    return True
