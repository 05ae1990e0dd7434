"""The deployment recipe, checked without a container runtime: schemas, lint, probes on real routes, real `qa` commands.

deploy/check_image.py builds and runs the image itself (.ci/run).
"""

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import typer
import yaml
from typer.core import TyperGroup

from api.main import create_app
from api.probe_port import PROBE_PATHS
from api.settings import ApiSettings
from cli.main import app as qa_app
from qa.settings import PROJECT_ROOT
from tests.nginx import CONFIG as NGINX_CONF
from tests.nginx import main_config, nginx_binary

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
MANIFESTS = (PROJECT_ROOT / "deploy" / "kubernetes.yaml", PROJECT_ROOT / "deploy" / "index-job.yaml")
PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
REQUIREMENTS = PROJECT_ROOT / "requirements"
# The Kubernetes versions the manifests are checked against (kubernetes-validate bundles their schemas).
KUBERNETES_VERSIONS = ("1.31.0", "1.33.0", "1.35.0", "1.37.0")


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
    return [d for path in MANIFESTS for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


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
    return {path for path, methods in create_app(ApiSettings()).openapi()["paths"].items() if "get" in methods}


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions, by the stage's name."""
    named: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for kind, value in instructions():
        if kind == "FROM":
            current = named.setdefault(value.split(" AS ")[1], [])
        current.append((kind, value))
    return named


def test_the_image_is_built_in_two_stages_from_a_base_image_argument_and_runs_as_a_non_root_user() -> None:
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in instructions()
    build, runtime = stages()["build"], stages()["runtime"]
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build") and runtime[0] == ("FROM", "${PYTHON_IMAGE} AS runtime")
    users = [value for kind, value in runtime if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    copies = [value for kind, value in runtime if kind == "COPY"]
    assert all(value.startswith("--from=build") for value in copies)  # the runtime stage installs nothing itself


def test_the_image_installs_only_from_the_wheelhouse_and_the_locks() -> None:
    """No index, no certificate, no pip configuration: every pip install reads the wheelhouse."""
    build = stages()["build"]
    (env,) = [value for kind, value in build if kind == "ENV"]
    assert "PIP_NO_INDEX=1" in env.split() and "PIP_FIND_LINKS=/wheels" in env.split()
    copied = " ".join(value for kind, value in instructions() if kind in ("COPY", "ADD"))
    assert not re.search(r"pip\.conf|\.crt|\.pem|certificates", copied)
    installs = [part for kind, value in build if kind == "RUN" for part in value.split("&&") if "pip install" in part]
    assert installs and all("--no-deps" in part and "http" not in part for part in installs)
    locks = {word for part in installs for word in shlex.split(part) if word.startswith("/requirements/")}
    assert locks == {"/requirements/build.txt", "/requirements/serve.txt"}


def test_the_serving_lock_leaves_out_what_only_building_needs() -> None:
    def pinned(name: str) -> dict[str, str]:
        lines = (REQUIREMENTS / name).read_text().splitlines()
        return dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))

    build, serve, ci = pinned("build.txt"), pinned("serve.txt"), pinned("ci.txt")
    declared = {re.split(r"[\[<>=; ]", d)[0].lower().replace("_", "-") for d in PROJECT["dependencies"]}
    assert declared <= set(build) and declared <= set(ci)
    build_only = {line for line in (REQUIREMENTS / "build-only.txt").read_text().splitlines() if line[:1].isalpha()}
    assert build_only and not build_only & set(serve)
    assert not {"scikit-learn", "scipy", "prompt-toolkit", "nvidia-cublas"} & set(serve)
    assert build["torch"].startswith("2.13.0") and "nvidia-cublas" not in build
    assert all(build[name] == version for name, version in serve.items() if name in build)  # one set of versions


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    linted = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_manifests_match_kubernetes_schemas(version: str) -> None:
    for document in manifests():
        kubernetes_validate.validate(document, version, strict=True)


def test_the_schema_check_refuses_a_misspelled_field() -> None:
    (job,) = of_kind("Job")
    job["spec"]["backofflimit"] = job["spec"].pop("backoffLimit")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSIONS[-1], strict=True)


def test_images_are_pinned_and_ours_carry_the_projects_version() -> None:
    pods = [d["spec"]["template"]["spec"] for d in manifests() if "template" in d.get("spec", {})]
    images = [c["image"] for pod in pods for c in pod.get("initContainers", []) + pod["containers"]]
    for image in images:
        name, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.fullmatch(r"\d+(\.\d+)+", tag), image
        if name.startswith("cancer-qa"):
            assert tag == PROJECT["version"], image


def test_the_index_job_gets_a_new_name_per_run() -> None:
    (job,) = of_kind("Job")
    assert "name" not in job["metadata"] and job["metadata"]["generateName"].endswith("-")


def test_the_images_commands_are_real_qa_commands() -> None:
    steps = instructions()
    (cmd,) = [exec_form(value) for kind, value in steps if kind == "CMD"]
    context = parse_qa(cmd)
    assert context.info_name == "serve" and context.params["no_build"] and context.params["host"] == "0.0.0.0"
    builds = [shlex.split(value) for kind, value in stages()["build"] if kind == "RUN" and value.startswith("qa ")]
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


def pod() -> dict[str, Any]:
    """The pod spec of the replicas' Deployment."""
    spec: dict[str, Any] = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "cancer-qa")["spec"]
    return spec["template"]["spec"]  # type: ignore[no-any-return]


def container(name: str) -> dict[str, Any]:
    return next(c for c in pod()["containers"] if c["name"] == name)


def named_ports(container: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container["ports"]}


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"]}


def test_kubernetes_has_a_job_a_deployment_of_replicas_and_a_service(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {document["kind"] for document in manifests()} >= {"Job", "Deployment", "Service", "PersistentVolumeClaim"}
    (job,) = of_kind("Job")
    (build,) = job["spec"]["template"]["spec"]["containers"]
    assert build["command"][:3] == ["qa", "index", "build"] and parse_qa(build["command"]).info_name == "build"
    qa = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == "cancer-qa")
    assert qa["spec"]["replicas"] >= 2
    server = container("qa")
    assert pod()["containers"][0]["name"] == "qa"  # deploy/check_image.py runs the first container
    context = parse_qa(server["command"])
    assert context.info_name == "serve" and context.params["no_build"]
    env = env_of(server)
    assert sorted(named_ports(server).values()) == sorted([context.params["port"], int(env["QA_PROBE_PORT"])])
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    assert services["cancer-qa"]["spec"]["selector"] == qa["spec"]["selector"]["matchLabels"]
    # Replicas mount the volume the Job writes, read-only, where QA_INDEX_DIR points.
    job_env = {e["name"]: e["value"] for e in build["env"]}
    assert env["QA_INDEX_DIR"] == job_env["QA_INDEX_DIR"]
    (mount,) = server["volumeMounts"]
    assert mount["readOnly"] and mount["mountPath"] == env["QA_INDEX_DIR"]
    for name, value in env.items():  # every setting given is one the service reads, and valid
        monkeypatch.setenv(name, value)
        assert name.removeprefix("QA_").lower() in ApiSettings.model_fields
    assert ApiSettings().rate_limit_storage == env["QA_RATE_LIMIT_STORAGE"]


def test_kubernetes_probes_ask_real_routes_on_the_probe_port() -> None:
    """Readiness and liveness ask qa serve's probe listener (QA_PROBE_PORT), not the port clients use."""
    server = container("qa")
    ports = named_ports(server)
    probe_port = int(env_of(server)["QA_PROBE_PORT"])
    probes = {kind: server[kind]["httpGet"] for kind in ("readinessProbe", "livenessProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz" and probes["livenessProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert probe["path"] in get_paths() and probe["path"] in PROBE_PATHS
        assert ports[probe["port"]] == probe_port != parse_qa(server["command"]).params["port"]


def test_clients_reach_qa_serve_only_through_the_nginx_sidecar() -> None:
    """The Service's port is nginx's, nginx's upstream is qa serve's port, and qa serve trusts nginx's address."""
    server, proxy = container("qa"), container("nginx")
    (listen,) = re.findall(r"^\s*listen (\d+);", NGINX_CONF.read_text(), re.M)
    ((upstream_host, upstream_port),) = re.findall(r"^\s*server ([\d.]+):(\d+);", NGINX_CONF.read_text(), re.M)
    assert named_ports(proxy) == {"http": int(listen)}
    assert int(upstream_port) == parse_qa(server["command"]).params["port"]
    assert json.loads(env_of(server)["QA_TRUSTED_PROXIES"]) == [upstream_host]
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    (service_port,) = services["cancer-qa"]["spec"]["ports"]
    assert service_port["targetPort"] == "http"
    (policy,) = of_kind("NetworkPolicy")
    allowed = {port["port"] for rule in policy["spec"]["ingress"] for port in rule["ports"]}
    assert allowed == {"http", "probe"}  # not qa serve's own port


def test_the_nginx_config_map_is_deploy_nginx_conf_and_nginx_accepts_it(tmp_path: Path) -> None:
    """One source of truth: the ConfigMap mounted into nginx's conf.d holds deploy/nginx.conf as it is."""
    (config_map,) = of_kind("ConfigMap")
    assert config_map["data"]["qa.conf"] == NGINX_CONF.read_text(), (
        "The ConfigMap cancer-qa-nginx in deploy/kubernetes.yaml differs from deploy/nginx.conf: paste the file in"
    )
    volumes = {v["name"]: v for v in pod()["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container("nginx")["volumeMounts"]}
    assert volumes[mounts["/etc/nginx/conf.d"]]["configMap"]["name"] == config_map["metadata"]["name"]
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    for name, text in config_map["data"].items():
        (conf_d / name).write_text(text)
    main = main_config(tmp_path, conf_d / "*.conf")
    checked = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
