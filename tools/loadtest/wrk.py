"""Drive a loopback server with wrk (a C load generator: it does not compete with the
server's Python for the cores the way a Python client does) and read its figures.

Every request's path (and Cookie header) is drawn at random by the Lua script from a URL file
(``urlfiles.py``); the script's ``done`` function prints one ``loadtest-result`` line with the
request count, duration, latency percentiles (wrk's own histogram) and error counts, which
``parse`` reads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = r"""
-- tools/loadtest/wrk.py: one random line of the URL file per request.
local lines = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      lines[#lines + 1] = wrk.format("GET", path, headers)
    end
  end
  if #lines == 0 then error("empty URL file " .. args[1]) end
  math.randomseed((tonumber(args[2]) or 1) * 1000 + (thread_id or 0))
end

function request()
  return lines[math.random(#lines)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "loadtest-result requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d " ..
    "max_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""

RESULT = re.compile(r"^loadtest-result (?P<fields>.*)$", re.MULTILINE)
NON_2XX_3XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non_2xx_3xx: int  # wrk counts a status above 399
    socket_errors: int  # connect + read + write + timeout

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse(output: str) -> WrkResult:
    """The figures of one wrk run from its standard output (``done``'s line)."""
    match = RESULT.search(output)
    if match is None:
        raise ValueError(f"No loadtest-result line in wrk's output:\n{output[-2000:]}")
    fields = dict(item.split("=", 1) for item in match.group("fields").split())
    number = {key: int(float(value)) for key, value in fields.items()}
    status = number["status"]
    summary = NON_2XX_3XX.search(output)
    if summary is not None:
        status = max(status, int(summary.group(1)))
    return WrkResult(
        requests=number["requests"],
        seconds=number["duration_us"] / 1e6,
        p50_ms=number["p50_us"] / 1000,
        p95_ms=number["p95_us"] / 1000,
        p99_ms=number["p99_us"] / 1000,
        max_ms=number["max_us"] / 1000,
        non_2xx_3xx=status,
        socket_errors=sum(number[key] for key in ("connect", "read", "write", "timeout")),
    )


def executable() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise FileNotFoundError(
            "wrk is not installed (Debian: apt-get install wrk; scripts/loadtest.sh does it "
            "when run as root), or use --client python."
        )
    return found


def run(
    base_url: str,
    url_file: Path,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    seed: int = 1,
    timeout_seconds: int = 10,
) -> WrkResult:
    """wrk for ``seconds`` at ``connections`` against ``base_url`` with ``url_file``'s lines."""
    with tempfile.TemporaryDirectory(prefix="loadtest-wrk-") as work:
        script = Path(work) / "urls.lua"
        script.write_text(LUA_SCRIPT, encoding="utf-8")
        command = [
            executable(),
            f"--threads={max(1, min(threads, connections))}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={timeout_seconds}s",
            f"--script={script}",
            base_url,
            "--",
            str(url_file),
            str(seed),
        ]
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + timeout_seconds + 30,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse(completed.stdout)
