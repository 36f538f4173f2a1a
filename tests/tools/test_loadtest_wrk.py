"""wrk as the load generator: URL files, the Lua script, reading wrk's output, one real run."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from tests.tools import world_env
from tools.loadtest import urlfiles, wrk
from tools.loadtest.world import LoadUser, Pools

SECTORS = ["finance", "health", "manufacturing", "retail"]
APP_TYPES = ["customer-service", "knowledge-qa", "code-assist"]
KEYWORDS = ["客服", "知识库", "质检", "智能问答"]


def pools() -> Pools:
    return Pools(
        sectors=SECTORS,
        app_types=APP_TYPES,
        kinds=["model", "service"],
        layers=["application"],
        deployments=["private", "cloud"],
        keywords=KEYWORDS,
        offering_ids=list(range(1, 501)),
        need_ids=list(range(1000, 1100)),
        users=[
            LoadUser(email="a@example.com", need_ids=[7, 8]),
            LoadUser(email="b@example.com", need_ids=[9]),
        ],
    )


def signed() -> urlfiles.Signed:
    return urlfiles.Signed(
        {"a@example.com": "sessionid=aaa", "b@example.com": "sessionid=bbb"},
        vendor="sessionid=vvv",
    )


def split(line: str) -> tuple[str, dict]:
    path, _, cookie = line.partition("\t")
    return path, parse_qs(urlsplit(path).query)


class UrlFileTests:
    def test_a_uniform_file_varies_filters_and_keywords_drawn_from_the_pools(self):
        lines = urlfiles.url_lines("offerings_search", pools(), signed(), variant="uniform")
        assert len(lines) == urlfiles.URLS_PER_FILE
        keywords, sectors = Counter(), Counter()
        for line in lines:
            path, query = split(line)
            assert path.startswith("/offerings/?")
            assert query["q"][0] in KEYWORDS
            keywords[query["q"][0]] += 1
            for code in query.get("sector", []):
                assert code in SECTORS
                sectors[code] += 1
        assert set(keywords) == set(KEYWORDS)
        assert set(sectors) == set(SECTORS)
        assert len(set(lines)) > 500  # drawn per line, not a handful repeated

    def test_browse_filters_use_the_taxonomy_codes(self):
        lines = urlfiles.url_lines("offerings_browse", pools(), signed(), variant="uniform")
        app_types = {code for line in lines for code in split(line)[1].get("app_type", [])}
        assert app_types == set(APP_TYPES)

    def test_a_skewed_file_is_dominated_by_a_few_combinations(self):
        lines = urlfiles.url_lines("offerings_browse", pools(), signed(), variant="skewed")
        assert len(lines) == urlfiles.URLS_PER_FILE
        counts = Counter(lines).most_common()
        assert len(counts) <= urlfiles.SKEW_COMBINATIONS
        top_five = sum(count for _, count in counts[:5])
        assert top_five > len(lines) / 2
        assert counts[0][1] > 5 * counts[-1][1]

    def test_detail_lines_name_existing_ids(self):
        for line in urlfiles.url_lines("offering_detail", pools(), signed(), variant="uniform"):
            pk = int(line.split("/")[2])
            assert 1 <= pk <= 500
        for line in urlfiles.url_lines("need_detail", pools(), signed(), variant="skewed"):
            assert 1000 <= int(line.split("/")[2]) < 1100

    def test_anonymous_lines_carry_only_the_language_cookie(self):
        for line in urlfiles.url_lines("trivial", pools(), signed(), variant="uniform", count=100):
            assert line == "/_bench/plain\tdjango_language=zh-hans"

    def test_an_owners_need_page_carries_that_owners_session(self):
        owner = {7: "aaa", 8: "aaa", 9: "bbb"}
        lines = urlfiles.url_lines("need_suggestions", pools(), signed(), variant="uniform")
        for line in lines:
            path, _, cookie = line.partition("\t")
            pk = int(path.split("/")[2])
            assert cookie == f"django_language=zh-hans; sessionid={owner[pk]}"
        assert {line.split("/")[2] for line in lines} == {"7", "8", "9"}

    def test_the_vendor_pages_carry_the_vendor_session(self):
        for line in urlfiles.url_lines(
            "vendor_opportunities", pools(), signed(), variant="uniform"
        ):
            assert line == "/matching/opportunities/\tdjango_language=zh-hans; sessionid=vvv"
        cookies = {
            line.partition("\t")[2]
            for line in urlfiles.url_lines("inbox", pools(), signed(), variant="uniform")
        }
        assert {cookie.rsplit("=", 1)[1] for cookie in cookies} == {"aaa", "bbb", "vvv"}

    def test_the_same_seed_gives_the_same_file(self):
        first = urlfiles.url_lines("needs_browse", pools(), signed(), variant="uniform", seed=3)
        again = urlfiles.url_lines("needs_browse", pools(), signed(), variant="uniform", seed=3)
        other = urlfiles.url_lines("needs_browse", pools(), signed(), variant="uniform", seed=4)
        assert first == again != other

    def test_write_url_files_writes_one_file_per_endpoint_and_variant(self, tmp_path):
        files = urlfiles.write_url_files(tmp_path, pools(), signed(), count=200)
        assert set(files) == {
            (key, variant) for key, _ in urlfiles.ENDPOINTS for variant in urlfiles.VARIANTS
        }
        for path in files.values():
            assert len(path.read_text(encoding="utf-8").splitlines()) == 200

    def test_an_unknown_variant_is_refused(self):
        with pytest.raises(ValueError):
            urlfiles.url_lines("trivial", pools(), signed(), variant="zipf")


WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8100
  1 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.41ms    3.02ms  41.20ms   80.12%
    Req/Sec     2.70k   210.33     2.98k    75.00%
  5412 requests in 2.00s, 1.90MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2705.33
Transfer/sec:    972.80KB
loadtest-result requests=5412 duration_us=2000491 bytes=1992345 p50_us=6877 p95_us=12990 p99_us=18342 max_us=41201 status=3 connect=0 read=1 write=0 timeout=2
"""


class WrkOutputTests:
    def test_parse_reads_the_done_line(self):
        result = wrk.parse(WRK_OUTPUT)
        assert result.requests == 5412
        assert result.seconds == pytest.approx(2.000491)
        assert result.rps == pytest.approx(5412 / 2.000491)
        assert (result.p50_ms, result.p95_ms, result.p99_ms) == (6.877, 12.99, 18.342)
        assert result.max_ms == 41.201
        assert result.non_2xx_3xx == 3
        assert result.socket_errors == 3

    def test_parse_takes_the_summary_count_when_the_done_line_has_fewer(self):
        output = WRK_OUTPUT.replace("status=3", "status=0").replace("responses: 3", "responses: 9")
        assert wrk.parse(output).non_2xx_3xx == 9

    def test_parse_without_a_done_line_says_so(self):
        with pytest.raises(ValueError, match="No loadtest-result line"):
            wrk.parse("Running 1s test @ http://127.0.0.1:1\n")


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 - the http.server hook's name
        self.seen.append((self.path, self.headers.get("Cookie", "")))
        status = 404 if self.path.startswith("/missing") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class LuaScriptTests:
    def test_wrk_requests_the_file_lines_with_their_cookies_and_counts_errors(self, tmp_path):
        lines = [
            "/offerings/?sector=finance\tdjango_language=zh-hans",
            "/needs/7/\tdjango_language=zh-hans; sessionid=aaa",
            "/missing/\tdjango_language=zh-hans",
        ]
        url_file = tmp_path / "urls"
        url_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _Recorder.seen = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            result = wrk.run(
                f"http://127.0.0.1:{server.server_address[1]}", url_file, seconds=1, connections=2
            )
        finally:
            server.shutdown()
            server.server_close()
        seen = Counter(_Recorder.seen)
        assert set(seen) == {tuple(line.split("\t")) for line in lines}
        assert result.requests >= len(_Recorder.seen) - 2  # in flight at the end are not counted
        assert result.non_2xx_3xx == pytest.approx(
            seen["/missing/", "django_language=zh-hans"], abs=2
        )
        assert result.non_2xx_3xx > 0
        assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_command_measures_every_endpoint_of_a_tiny_world_with_wrk(tmp_path):
    """A tiny world, gunicorn on loopback, wrk 1 s per endpoint and variant at 2 connections."""
    root = Path(settings.BASE_DIR)
    python = sys.executable
    env = world_env(
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="loadtest-e2e-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_BENCH_VIEWS="1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )

    def manage(*args, timeout=300):
        subprocess.run(
            [python, *args], cwd=root, env=env, check=True, timeout=timeout, capture_output=True
        )

    manage("manage.py", "migrate", "--noinput", "-v", "0")
    manage("manage.py", "seed_demo", "--offerings", "60", "--needs", "15")
    manage("manage.py", "collectstatic", "--noinput", "-v", "0")
    manage("-m", "tools.loadtest", "--prepare-only", "--users", "2")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "matchmaking.wsgi:application"],
        cwd=root,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_ERROR_LOG": str(tmp_path / "gunicorn.log"),
        },
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        result = subprocess.run(
            [python, "-m", "tools.loadtest", "--url", f"http://127.0.0.1:{port}", "--users", "2",
             "--phase-seconds", "1", "--warmup-seconds", "1", "--concurrency", "2",
             "--urls-per-file", "300", "--trivial-between", "1",
             "--label", "tiny world"],
            cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "== tiny world: wrk, 2 connections" in out
    assert "uniform URL files" in out and "skewed URL files" in out
    rows = [line for line in out.splitlines() if "%" in line]
    for _key, name in urlfiles.ENDPOINTS:
        assert sum(line.startswith(name) for line in rows) == 2, name
    assert "non-2xx/3xx responses and socket errors in all: 0" in out
    trivial = next(line for line in out.splitlines() if line.startswith("trivial view"))
    assert float(trivial.split()[2]) > 0  # req/s
    # each endpoint also over the trivial runs just before and after it
    assert out.count("the trivial view between endpoints (1 s each)") == 2
    browse = next(line for line in out.splitlines() if line.startswith("offerings: filtered"))
    assert browse.split()[4].endswith("%") and float(browse.split()[4][:-1]) > 0


class AdjacentTrivialTests:
    """A shared host's speed drifts within a run: each endpoint is also compared with the
    trivial runs made just before and after it."""

    def test_each_row_reads_the_mean_of_the_runs_around_it(self):
        from tools.loadtest.command import adjacent_trivial

        rows = ["trivial", "browse", "detail"]
        # before browse: 3000; between browse and detail: 2000; after detail: 4000
        assert adjacent_trivial(rows, [None, 3000.0, 2000.0, 4000.0]) == [None, 2500.0, 3000.0]

    def test_without_runs_between_there_is_no_adjacent_figure(self):
        from tools.loadtest.command import adjacent_trivial

        assert adjacent_trivial(["trivial", "browse"], [None, None]) == [None, None]


class DrainTests:
    """Between two wrk runs the server finishes what the last one queued."""

    @staticmethod
    def _result(p99_ms: float):
        return wrk.WrkResult(
            requests=100,
            seconds=1.0,
            p50_ms=p99_ms / 2,
            p95_ms=p99_ms,
            p99_ms=p99_ms,
            max_ms=p99_ms,
            non_2xx_3xx=0,
            socket_errors=0,
        )

    def test_the_pause_follows_the_runs_p99_and_is_bounded(self):
        from tools.loadtest.command import MAX_DRAIN_SECONDS, drain_seconds

        assert drain_seconds(self._result(15)) == pytest.approx(0.2225)
        # a slow endpoint (the vendor's opportunities: p99 ~500 ms) leaves ~1 s of queue
        assert drain_seconds(self._result(500)) == pytest.approx(0.95)
        assert drain_seconds(self._result(60_000)) == MAX_DRAIN_SECONDS
