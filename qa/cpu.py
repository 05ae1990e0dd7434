"""The CPU's vector instruction sets, which decide how ONNX Runtime computes int8 products."""

import os
from functools import cache
from pathlib import Path

# What each name means in Linux's /proc/cpuinfo flags (VNNI: either the AVX-512 or the AVX form).
_SETS = {"avx2": ("avx2",), "avx512": ("avx512f",), "vnni": ("avx512_vnni", "avx_vnni")}


@cache
def instruction_sets(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, bool]:
    """Whether this CPU has AVX2, AVX-512 and VNNI; empty where /proc/cpuinfo cannot be read (not Linux)."""
    try:
        lines = cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    flags = next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), set[str]())
    return {name: any(flag in flags for flag in names) for name, names in _SETS.items()}


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, as Linux does)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe(sets: dict[str, bool]) -> str:
    """'avx2 yes, avx512 no, vnni no', or 'unknown' when the sets could not be read."""
    return ", ".join(f"{name} {'yes' if present else 'no'}" for name, present in sets.items()) or "unknown"
