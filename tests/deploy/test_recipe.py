"""The deployment recipe, checked without a container runtime: shape, probes on real routes, real `qa` commands."""

import json
import re
import shlex
import tomllib
from typing import Any

import pytest
import typer
import yaml
from typer.core import TyperGroup

from api.main import create_app
from cli.main import app as qa_app
from qa.settings import PROJECT_ROOT, Settings

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes.yaml"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile line, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def exec_form(arguments: str) -> list[str]:
    words = json.loads(arguments)
    assert isinstance(words, list) and all(isinstance(word, str) for word in words), arguments
    return words


def manifests() -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(KUBERNETES.read_text(encoding="utf-8")) if document]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [document for document in manifests() if document["kind"] == kind]


def parse_qa(words: list[str]) -> Any:
    """Parse a `qa ...` command line against the real typer app, as the console script would; its context."""
    assert words[0] == "qa", words
    command: Any = typer.main.get_command(qa_app)  # typer's own (vendored) click objects
    name, args = "qa", words[1:]
    while isinstance(command, TyperGroup):
        sub = command.get_command(command.make_context(name, [], resilient_parsing=True), args[0]) if args else None
        if sub is None:
            raise LookupError(f"No such command: {' '.join(words)}")
        command, name, args = sub, args[0], args[1:]
    return command.make_context(name, args)


def get_paths() -> set[str]:
    """Paths the app answers GET on, from its OpenAPI schema."""
    return {path for path, methods in create_app(Settings()).openapi()["paths"].items() if "get" in methods}


def test_the_image_is_slim_python_311_and_runs_as_a_non_root_user() -> None:
    steps = instructions()
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    users = [value for kind, value in steps if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    stages = [value for kind, value in steps if kind == "FROM"]
    assert stages[0] == "${PYTHON_IMAGE} AS app"
    assert any(stage.endswith("AS index") for stage in stages)  # the index is built in a build stage
    assert any(kind == "COPY" and value.startswith("--from=index") for kind, value in steps)


def test_the_image_pins_the_projects_torch_from_the_cpu_index() -> None:
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = next(d for d in dependencies if d.startswith("torch"))
    runs = [value for kind, value in instructions() if kind == "RUN"]
    torch = [run for run in runs if pinned in shlex.split(run)]
    assert torch and "https://download.pytorch.org/whl/cpu" in shlex.split(torch[0])


def test_the_images_commands_are_real_qa_commands() -> None:
    steps = instructions()
    (cmd,) = [exec_form(value) for kind, value in steps if kind == "CMD"]
    context = parse_qa(cmd)
    assert context.info_name == "serve" and context.params["no_build"] and context.params["host"] == "0.0.0.0"
    builds = [shlex.split(value) for kind, value in steps if kind == "RUN" and value.startswith("qa ")]
    assert [parse_qa(words).info_name for words in builds] == ["build"]


def test_the_healthcheck_asks_a_real_route() -> None:
    (healthcheck,) = [value for kind, value in instructions() if kind == "HEALTHCHECK"]
    command = exec_form(healthcheck.split(" CMD ", 1)[1])
    (cmd,) = [exec_form(value) for kind, value in instructions() if kind == "CMD"]
    ((port, path),) = re.findall(r"http://127\.0\.0\.1:(\d+)(/\w+)", " ".join(command))
    assert path == "/healthz" and path in get_paths()
    assert int(port) == parse_qa(cmd).params["port"]


def test_an_unknown_option_is_not_a_qa_command() -> None:
    """The parser the checks rely on refuses what `qa` would refuse."""
    with pytest.raises(Exception, match="No such option: --no-such-option"):
        parse_qa(["qa", "serve", "--no-such-option"])
    with pytest.raises(LookupError, match="No such command"):
        parse_qa(["qa", "index", "rebuild"])


def test_kubernetes_has_a_job_a_deployment_of_replicas_and_a_service(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {document["kind"] for document in manifests()} >= {"Job", "Deployment", "Service", "PersistentVolumeClaim"}
    (job,) = of_kind("Job")
    (build,) = job["spec"]["template"]["spec"]["containers"]
    assert build["command"][:3] == ["qa", "index", "build"] and parse_qa(build["command"]).info_name == "build"
    qa = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "cancer-qa")
    assert qa["spec"]["replicas"] >= 2
    (server,) = qa["spec"]["template"]["spec"]["containers"]
    context = parse_qa(server["command"])
    assert context.info_name == "serve" and context.params["no_build"]
    port = context.params["port"]
    assert [p["containerPort"] for p in server["ports"]] == [port]
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    assert services["cancer-qa"]["spec"]["selector"] == qa["spec"]["selector"]["matchLabels"]
    # Replicas mount the volume the Job writes, read-only, where QA_INDEX_DIR points.
    env = {e["name"]: e["value"] for e in server["env"]}
    job_env = {e["name"]: e["value"] for e in build["env"]}
    assert env["QA_INDEX_DIR"] == job_env["QA_INDEX_DIR"]
    (mount,) = server["volumeMounts"]
    assert mount["readOnly"] and mount["mountPath"] == env["QA_INDEX_DIR"]
    for name, value in env.items():  # every setting given is one the service reads, and valid
        monkeypatch.setenv(name, value)
        assert name.removeprefix("QA_").lower() in Settings.model_fields
    assert Settings().rate_limit_storage == env["QA_RATE_LIMIT_STORAGE"]


def test_kubernetes_probes_ask_real_routes() -> None:
    qa = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "cancer-qa")
    (server,) = qa["spec"]["template"]["spec"]["containers"]
    named_ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    probes = {kind: server[kind]["httpGet"] for kind in ("readinessProbe", "livenessProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz" and probes["livenessProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert probe["path"] in get_paths() and probe["port"] in named_ports
