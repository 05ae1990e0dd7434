"""Build the image with no network and check it runs as deploy/kubernetes.yaml runs it: `python deploy/check_image.py`.

Installs Debian's docker.io and debootstrap if they are missing, starts dockerd if none answers, makes the
base image with deploy/base_image.sh when it is absent, builds the wheelhouse and the image (legacy builder,
`--network none`), then runs the image on the index copied out of it and mounted read-only, with the
manifest's memory and CPU, and checks: under 900 MB and no torch, non-root, /readyz 200, an answer whose
offsets match /v1/documents, HEALTHCHECK healthy, and SIGTERM stopping it within the grace period.
It removes the containers it ran and stops the daemon it started; the images stay as a cache, except the
previous build of its own two tags, which it removes once the new one is tagged (each was about 3.7 GB).
Where Docker cannot run (not root, no apt-get, no daemon), it says so and exits 0 (1 with QA_REQUIRE_DOCKER=1).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = os.environ.get("QA_BASE_IMAGE", "local/bookworm-python:3.11")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
IMAGE = f"cancer-qa:{VERSION}"
BUILDER = f"cancer-qa-builder:{VERSION}"
MAX_IMAGE_BYTES = 900 * 10**6
BUILD_ONLY = ("torch", "sentence_transformers", "transformers", "onnx", "sklearn", "scipy", "prompt_toolkit")
PILL = "Can I take immunotherapy as a pill?"
UID = "10001"


class Skip(Exception):
    """Docker cannot run here; the reason is printed and the check is skipped."""


def run(*command: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, text=True, capture_output=True, **options)


def docker_cli() -> str:
    # Debian's client matches Debian's daemon; a newer client elsewhere on PATH may not.
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker") or "docker"


def install_tools() -> None:
    missing = [
        package for tool, package in (("dockerd", "docker.io"), ("debootstrap", "debootstrap")) if not _has(tool)
    ]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Skip(f"{', '.join(missing)} missing and cannot be installed here (needs root and apt-get)")
    print(f"Installing Debian's {' '.join(missing)}", flush=True)
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", *missing, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def _has(tool: str) -> bool:
    return shutil.which(tool) is not None or Path("/usr/sbin", tool).exists()


@contextmanager
def daemon(docker: str, workdir: Path) -> Iterator[None]:
    """A Docker daemon: the one already answering, or one started here and stopped on exit (by its PID)."""
    if subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        yield
        return
    log = workdir / "dockerd.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [shutil.which("dockerd") or "/usr/sbin/dockerd", "--pidfile", str(workdir / "dockerd.pid")],
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([docker, "info"], capture_output=True).returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                raise Skip(f"dockerd did not start: {log.read_text()[-800:]}")
            time.sleep(0.5)
        print("Started dockerd", flush=True)
        yield
    finally:
        process.terminate()
        process.wait(timeout=60)


def build(docker: str) -> None:
    if subprocess.run([docker, "image", "inspect", BASE_IMAGE], capture_output=True).returncode != 0:
        print(f"Making the base image {BASE_IMAGE} with debootstrap (about 2.5 min)", flush=True)
        run(str(ROOT / "deploy" / "base_image.sh"), BASE_IMAGE, env={**os.environ, "DOCKER": docker})
    subprocess.run([str(ROOT / "deploy" / "wheelhouse.sh"), sys.executable], check=True)
    previous = {tag: image_id(docker, tag) for tag in (BUILDER, IMAGE)}
    started = time.monotonic()
    for target, tag in (("build", BUILDER), ("runtime", IMAGE)):
        subprocess.run(
            [
                docker,
                "build",
                "--network",
                "none",
                "--build-arg",
                f"PYTHON_IMAGE={BASE_IMAGE}",
                "--target",
                target,
                "-t",
                tag,
                "-q",
                ".",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
    seconds = time.monotonic() - started
    print(f"Built {BUILDER} and {IMAGE} from {BASE_IMAGE} with no network in {seconds:.0f} s", flush=True)
    for tag, old in previous.items():
        if old and old != image_id(docker, tag):
            removed = subprocess.run([docker, "image", "rm", old], capture_output=True, text=True)
            print(f"Removed the previous {tag} ({old[:19]})" if removed.returncode == 0 else removed.stderr.strip())


def image_id(docker: str, tag: str) -> str:
    """The id of the image a tag names now, or "" when there is none."""
    found = subprocess.run([docker, "image", "inspect", "-f", "{{.Id}}", tag], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else ""


def pod_spec(manifest: str, kind: str) -> dict[str, Any]:
    """The pod spec of the first `kind` in deploy/`manifest`: the index Job's, or the replicas' Deployment's."""
    documents = yaml.safe_load_all((ROOT / "deploy" / manifest).read_text())
    spec: dict[str, Any] = next(d["spec"]["template"]["spec"] for d in documents if d and d["kind"] == kind)
    return spec


def limits(container: dict[str, Any]) -> list[str]:
    """docker run options for a container's memory limit and CPU request (Kubernetes units)."""
    resources = container["resources"]
    memory = resources["limits"]["memory"]
    units = {"Mi": "m", "Gi": "g"}
    return ["--memory", memory[:-2] + units[memory[-2:]], "--cpus", str(resources["requests"]["cpu"])]


def check_image(docker: str) -> None:
    size = int(run(docker, "image", "inspect", "-f", "{{.Size}}", IMAGE).stdout)
    assert size < MAX_IMAGE_BYTES, f"{IMAGE} is {size / 1e6:.0f} MB"
    probe = f"import importlib.util as u; print([m for m in {BUILD_ONLY!r} if u.find_spec(m)])"
    found = run(docker, "run", "--rm", "--network", "none", IMAGE, "python", "-c", probe).stdout.strip()
    assert found == "[]", f"the runtime image holds {found}"
    print(f"{IMAGE}: {size / 1e6:.0f} MB, none of {', '.join(BUILD_ONLY)}", flush=True)


def build_index(docker: str, into: Path) -> Path:
    """The index and the ONNX export built into a host folder as deploy/index-job.yaml builds them."""
    job = pod_spec("index-job.yaml", "Job")
    (build,) = job["containers"]
    user = f"{job['securityContext']['runAsUser']}:{job['securityContext']['runAsGroup']}"
    into.mkdir()
    os.chown(into, int(UID), int(UID))
    (mount,) = build["volumeMounts"]
    env = [f"--env={e['name']}={e['value']}" for e in build["env"]]
    started = time.monotonic()
    run(
        docker, "run", "--rm", "--network", "none", "--user", user, *limits(build), *env,
        "-v", f"{into}:{mount['mountPath']}", BUILDER, *build["command"],
    )  # fmt: skip
    print(f"The index Job's command built the index as uid {user} in {time.monotonic() - started:.0f} s", flush=True)
    return into


@contextmanager
def container(docker: str, index: Path, pod: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The image serving `index` read-only with --no-build and the manifest's limits; (name, base URL)."""
    name = f"qa-check-{os.getpid()}"
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    run(
        docker, "run", "-d", "--name", name, "-p", "127.0.0.1::8000", *limits(pod["containers"][0]),
        "--read-only", "--tmpfs", "/tmp", "-v", f"{index}:{env['QA_INDEX_DIR']}:ro",
        "-e", f"QA_INDEX_DIR={env['QA_INDEX_DIR']}", IMAGE,
    )  # fmt: skip
    try:
        port = run(docker, "port", name, "8000/tcp").stdout.split()[0].rsplit(":", 1)[1]
        yield name, f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True)


def get(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_for(what: str, condition: Any, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.5)
    return time.monotonic() - started


def check_serving(docker: str, name: str, url: str, pod: dict[str, Any]) -> None:
    def ready() -> bool:
        try:
            return get(f"{url}/readyz")[0] == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    seconds = wait_for("/readyz 200", ready, 120)
    flags = " ".join(limits(pod["containers"][0]))
    print(f"/readyz 200 after {seconds:.1f} s on the read-only index, with --no-build and {flags}", flush=True)
    uid = run(docker, "exec", name, "id", "-u").stdout.strip()
    assert uid == UID, f"runs as uid {uid}"
    status, answer = get(f"{url}/v1/ask", {"question": PILL})
    assert status == 200 and answer["answered"], (status, answer)
    for passage in answer["passages"]:
        _, document = get(f"{url}/v1/documents/{quote(passage['document_id'])}?build_id={answer['build_id']}")
        assert document["text"][passage["start"] : passage["end"]] == passage["text"], passage["id"]
    print(f"Answered as uid {uid}; {len(answer['passages'])} passages match /v1/documents at their offsets", flush=True)

    def healthy() -> bool:
        return run(docker, "inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip() == "healthy"

    print(f"HEALTHCHECK healthy after {wait_for('HEALTHCHECK healthy', healthy, 90):.0f} s more", flush=True)
    grace = int(pod.get("terminationGracePeriodSeconds", 30))
    run(docker, "kill", "--signal", "SIGTERM", name)

    def stopped() -> bool:
        return run(docker, "inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "false"

    seconds = wait_for("stopping on SIGTERM", stopped, grace)
    code = run(docker, "inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip()
    assert code == "0", f"exit code {code} after SIGTERM"
    print(f"SIGTERM: stopped in {seconds:.1f} s (grace period {grace} s), exit code 0", flush=True)


def main() -> int:
    docker = docker_cli()
    try:
        install_tools()
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-check-image-")))
            stack.enter_context(daemon(docker, workdir))
            build(docker)
            check_image(docker)
            pod = pod_spec("kubernetes.yaml", "Deployment")
            index = build_index(docker, workdir / "index")
            name, url = stack.enter_context(container(docker, index, pod))
            check_serving(docker, name, url, pod)
    except Skip as reason:
        print(f"SKIPPED the image check: {reason}", flush=True)
        return 1 if os.environ.get("QA_REQUIRE_DOCKER") == "1" else 0
    print("The image check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
