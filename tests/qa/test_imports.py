"""The library stands alone: it imports none of the interfaces and changes nothing when imported."""

import ast
import os
import subprocess
import sys

from qa.settings import PROJECT_ROOT

INTERFACES = ("api", "cli", "evaluation", "bench", "tests")


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_library_module_imports_an_interface() -> None:
    library = PROJECT_ROOT / "qa"
    offenders = {
        path.relative_to(library).as_posix(): sorted(
            name for name in imported_modules(path.read_text()) if name.split(".")[0] in INTERFACES
        )
        for path in sorted(library.rglob("*.py"))  # sub-packages (qa/settings/, qa/index/) included
    }
    assert "settings/base.py" in offenders and "index/load.py" in offenders
    assert {name: found for name, found in offenders.items() if found} == {}


def test_importing_the_library_and_the_app_leaves_the_environment_alone() -> None:
    script = (
        "import os; before = dict(os.environ)\n"
        "import qa, qa.index, qa.engine, qa.embedding, qa.onnx_export, api.main, cli.main\n"
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n"
    )
    env = {key: value for key, value in os.environ.items() if "OFFLINE" not in key}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
