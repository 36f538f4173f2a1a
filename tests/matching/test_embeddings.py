"""The optional semantic layer, against a local stub server (never the network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from matchmaking.matching import embeddings, services
from matchmaking.matching.models import ListingEmbedding, Suggestion
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]


class _Stub(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        # A toy embedding: texts about customer service point one way, others another.
        data = [
            {"index": i, "embedding": [1.0, 0.1] if "客服" in text else [0.1, 1.0]}
            for i, text in enumerate(body["input"])
        ]
        payload = json.dumps({"data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub(settings):
    _Stub.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MATCHING_EMBEDDINGS_URL = f"http://127.0.0.1:{server.server_port}/v1"
    settings.MATCHING_EMBEDDINGS_MODEL = "stub-model"
    settings.MATCHING_EMBEDDINGS_API_KEY = "test-key"
    settings.MATCHING_EMBEDDINGS_WEIGHT = 0.5
    yield _Stub
    server.shutdown()
    server.server_close()


class SemanticLayerTests:
    def test_similarity_joins_the_score_and_is_explained(self, stub):
        near = factories.make_offering()
        far = factories.make_offering(
            title="工业视觉质检",
            summary="缺陷检测",
            description="产线缺陷检测。",
            tags=[],
        )
        need = factories.make_need()
        plain = {i.offering_id: i.score for i in services.rank_offerings_for_need(need.pk)}
        assert stub.requests  # the stub was called…
        first = stub.requests[0]
        assert first["path"] == "/v1/embeddings"
        assert first["body"]["model"] == "stub-model"
        assert first["auth"] == "Bearer test-key"
        services.suggestions_refresh_for_need(need=need)
        row = Suggestion.objects.for_need(need).get(offering=near)
        assert any(r["code"] == "semantic_similarity" for r in row.reasons)
        assert "semantic" in row.components
        assert ListingEmbedding.objects.filter(kind="need", object_id=need.pk).exists()
        assert ListingEmbedding.objects.filter(kind="offering", object_id=near.pk).exists()
        if far.pk in plain:
            assert plain[near.pk] >= plain[far.pk]

    def test_vectors_are_cached_until_the_text_changes(self, stub):
        factories.make_offering()
        need = factories.make_need()
        services.rank_offerings_for_need(need.pk)
        calls = len(stub.requests)
        services.rank_offerings_for_need(need.pk)
        assert len(stub.requests) == calls
        need.description = "完全不同的描述：客服机器人"
        need.save()
        services.rank_offerings_for_need(need.pk)
        assert len(stub.requests) == calls + 1

    def test_a_failing_endpoint_leaves_the_engine_ranking(self, settings):
        settings.MATCHING_EMBEDDINGS_URL = "http://127.0.0.1:9/v1"  # discard port: refused
        settings.MATCHING_EMBEDDINGS_TIMEOUT = 1
        offering = factories.make_offering()
        need = factories.make_need()
        items = services.rank_offerings_for_need(need.pk)
        assert [i.offering_id for i in items] == [offering.pk]
        assert all(r["code"] != "semantic_similarity" for r in items[0].reasons)

    def test_without_the_setting_no_http_request_is_made(self, settings, monkeypatch):
        settings.MATCHING_EMBEDDINGS_URL = ""

        def forbidden(*args, **kwargs):
            raise AssertionError("no HTTP request may be made")

        monkeypatch.setattr(embeddings.urllib.request, "urlopen", forbidden)
        factories.make_offering()
        need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        assert Suggestion.objects.for_need(need).exists()
        assert not ListingEmbedding.objects.exists()

    def test_blending_uses_the_weight(self, settings):
        settings.MATCHING_EMBEDDINGS_WEIGHT = 0.25
        assert embeddings.blend_score(80.0, 1.0) == 85.0
        assert embeddings.blend_score(80.0, -0.5) == 60.0
        assert embeddings.cosine([1, 0], [0, 1]) == 0.0
