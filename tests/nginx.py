"""nginx from the distribution, started on loopback with deploy/nginx.conf in front of a `qa serve` port."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bench.http_load import free_port
from qa.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "deploy" / "nginx.conf"
UPSTREAM = "server 127.0.0.1:8000;"
LISTEN = "listen 8080;"


def nginx_binary() -> str:
    """nginx's path, or skip the test (.ci/run installs Debian's nginx)."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        pytest.skip("nginx is not installed (.ci/run installs Debian's: apt-get install nginx)")
    return found


def configure(folder: Path, upstream_port: int, port: int) -> Path:
    """A main nginx.conf in `folder` around deploy/nginx.conf, its ports rewritten, everything in `folder`."""
    site = CONFIG.read_text()
    assert site.count(UPSTREAM) == 1 and site.count(LISTEN) == 1, "deploy/nginx.conf changed its ports' lines"
    site = site.replace(UPSTREAM, f"server 127.0.0.1:{upstream_port};").replace(LISTEN, f"listen 127.0.0.1:{port};")
    (folder / "site.conf").write_text(site)
    return main_config(folder, folder / "site.conf")


def main_config(folder: Path, include: Path) -> Path:
    """A main nginx.conf in `folder` whose http block includes `include` (a file or a glob), its files in `folder`."""
    temp = {kind: folder / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = folder / "nginx.conf"
    main.write_text(
        "daemon off;\nmaster_process off;\n"  # one process as the test's user: no user switch, no pid games
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n  access_log off;\n"
        + "".join(f"  {kind}_temp_path {path};\n" for kind, path in temp.items())
        + f"  include {include};\n}}\n"
    )
    return main


@contextmanager
def running_nginx(folder: Path, upstream_port: int) -> Iterator[str]:
    """nginx on a free loopback port in front of 127.0.0.1:`upstream_port`; its URL. Stopped on exit."""
    binary = nginx_binary()
    port = free_port()
    main = configure(folder, upstream_port, port)
    log = folder / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "-p", str(folder), "-c", str(main)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text() + (folder / "error.log").read_text()
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
