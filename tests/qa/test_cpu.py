"""The CPU's instruction sets, read from Linux's /proc/cpuinfo flags."""

from pathlib import Path

from qa.cpu import describe, instruction_sets

EPYC = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n\nprocessor\t: 1\n"
XEON = "flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni\n"


def test_an_avx2_cpu_without_avx512_or_vnni(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(EPYC)
    sets = instruction_sets(tmp_path / "cpuinfo")
    assert sets == {"avx2": True, "avx512": False, "vnni": False}
    assert describe(sets) == "avx2 yes, avx512 no, vnni no"


def test_an_avx512_cpu_with_vnni(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(XEON)
    assert instruction_sets(tmp_path / "cpuinfo") == {"avx2": True, "avx512": True, "vnni": True}


def test_without_cpuinfo_the_sets_are_unknown(tmp_path: Path) -> None:
    assert instruction_sets(tmp_path / "absent") == {}
    assert describe({}) == "unknown"
