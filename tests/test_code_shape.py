"""Small modules and short functions: no module of the library over 250 lines, no function anywhere over 40."""

import ast
from pathlib import Path

from qa.settings import PROJECT_ROOT

PACKAGES = ("qa", "api", "cli", "evaluation", "bench")
MODULE_LINES = 250  # for the library, qa/
FUNCTION_LINES = 40  # from `def` to the last line, docstring included, decorators not


def sources() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]


def name(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def long_functions(path: Path) -> dict[str, int]:
    """Each function (methods and nested ones included) longer than FUNCTION_LINES, with its length."""
    return {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > FUNCTION_LINES
    }


def test_the_walk_finds_every_package() -> None:
    found = {name(path).split("/")[0] for path in sources()}
    assert found == set(PACKAGES)


def test_no_library_module_is_over_250_lines() -> None:
    lengths = {name(path): len(path.read_text(encoding="utf-8").splitlines()) for path in sources()}
    long = {module: lines for module, lines in lengths.items() if module.startswith("qa/") and lines > MODULE_LINES}
    assert long == {}


def test_no_function_is_over_40_lines() -> None:
    long = {f"{name(path)}:{function}": lines for path in sources() for function, lines in long_functions(path).items()}
    assert long == {}


def test_the_count_is_from_def_to_last_line(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    body = "".join(f"    x{line} = {line}\n" for line in range(FUNCTION_LINES - 1))
    source.write_text(f"def fits():\n{body}\n\ndef over():\n{body}    return x0\n", encoding="utf-8")
    assert long_functions(source) == {"over": FUNCTION_LINES + 1}
