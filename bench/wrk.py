"""Load from wrk (a C load generator): a Lua script POSTs questions, numbered so each is asked once."""

import json
import math
import re
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.http_load import LoadResult, Workload

_REPORT = re.compile(r"^QA_WRK (\{.*\})$", re.MULTILINE)
# `id` is set per thread by setup(); `counter` numbers that thread's requests, so with the
# workload's tag every unique question is different from every other of the whole run.
_SCRIPT = """
local questions = {%(questions)s}
local unique, tag, threads, counter = %(unique)s, "%(tag)s", 0, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  counter = counter + 1
  local question = questions[(counter - 1) %% #questions + 1]
  if unique then
    question = question .. " (" .. tag .. "-" .. id .. "-" .. counter .. ")"
  end
  return wrk.format(nil, "/v1/ask", nil, '{"question": "' .. question .. '"}')
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'QA_WRK {"requests": %%d, "errors": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"""


def find_wrk() -> str | None:
    """wrk's path when it is installed (Debian: `apt-get install wrk`)."""
    return shutil.which("wrk")


def wrk_version(executable: str) -> str:
    """The first line wrk prints about itself, e.g. 'wrk debian/4.1.0-3+b2 [epoll]'."""
    banner = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False).stdout
    return banner.split(" Copyright")[0].strip()


def lua_script(workload: Workload) -> str:
    """The Lua script for one workload; questions are JSON-escaped inside Lua long strings."""
    quoted = ", ".join(f"[==[{json.dumps(question)[1:-1]}]==]" for question in workload.questions)
    return _SCRIPT % {"questions": quoted, "unique": str(workload.unique).lower(), "tag": workload.tag}


@dataclass(frozen=True)
class WrkLoad:
    """Run wrk against a server for a fixed time with `concurrency` connections."""

    executable: str
    seconds: float
    name: str = "wrk"

    def describe(self) -> str:
        return (
            f"{wrk_version(self.executable)}, {self.seconds:g} s per run, one connection per concurrent client"
            " (2 threads at most), questions from a Lua script"
        )

    def run(self, url: str, workload: Workload, concurrency: int) -> LoadResult:
        with tempfile.TemporaryDirectory(prefix="qa-wrk-") as folder:
            script = Path(folder) / "questions.lua"
            script.write_text(lua_script(workload), encoding="utf-8")
            command = [
                self.executable,
                f"--threads={min(concurrency, 2)}",
                f"--connections={concurrency}",
                f"--duration={math.ceil(self.seconds)}s",
                "--timeout=30s",
                f"--script={script}",
                url,
            ]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        found = _REPORT.search(output)
        if found is None:
            raise RuntimeError(f"wrk printed no report:\n{output[-2000:]}")
        report = json.loads(found.group(1))
        # No answer within the run (a server slower than the run is long): no latency to report.
        answered = report["requests"] > 0
        return LoadResult(
            concurrency,
            report["requests"],
            report["errors"],
            report["duration_us"] / 1e6,
            report["p50_us"] / 1000 if answered else math.nan,
            report["p99_us"] / 1000 if answered else math.nan,
            client_cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        )
