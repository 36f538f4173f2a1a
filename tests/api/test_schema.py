"""A property-based run over the OpenAPI schema (schemathesis, against the WSGI app).

Every operation of /api/schema/ gets generated requests (valid per the schema) sent as one of
three clients — an enterprise member's token, a vendor member's token, anonymous — over a
small seeded world. The run must produce zero server errors and zero responses that break the
schema (status codes, content types, bodies). It prints how many cases ran.

A second run generates *invalid* requests (schemathesis' negative mode: ids that are not
integers, wrong types and values in bodies and query strings): still zero server errors, and
every error answered as JSON in the API's one error body.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaking.connections import services as connection_services
from matchmaking.wsgi import application
from tests import factories
from tests.api.conftest import token_for

MAX_EXAMPLES_PER_OPERATION = 25
MAX_NEGATIVE_EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _world():
    """Two enterprises, two vendors, listings in several states, an accepted connection."""
    bank = factories.make_organization(kind="enterprise")
    vendor = factories.make_organization(kind="vendor")
    factories.make_organization(kind="vendor")
    enterprise_user = bank.memberships.get().user
    vendor_user = vendor.memberships.get().user
    offering = factories.make_offering(organization=vendor)
    factories.make_offering(organization=vendor, status="draft")
    need = factories.make_need(organization=bank, visibility="anonymous")
    factories.make_need(organization=bank, status="draft")
    connection, _created = connection_services.connection_request(
        user=enterprise_user, offering=offering, message="想了解私有化部署方案。"
    )
    connection_services.connection_accept(connection=connection, user=vendor_user)
    return {
        "users": [enterprise_user, vendor_user],
        "ids": {
            "offerings": offering.pk,
            "needs": need.pk,
            "organizations": bank.pk,
            "connections": connection.pk,
        },
    }


@pytest.fixture
def _keep_the_test_connection():
    """Requests here go straight to the WSGI app, not through Django's test Client, so the
    request signals would run `close_old_connections` and — on PostgreSQL — close the
    connection that holds the test's transaction. Detach it, as the test Client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
def test_schema_property_run_has_no_server_errors_or_schema_violations(
    settings_override, _keep_the_test_connection
):
    """Generated requests for every operation: no 5xx, every response as the schema says."""
    world = _world()
    clients = [{"Authorization": f"Token {token_for(user)}"} for user in world["users"]] + [{}]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    counts: Counter = Counter()
    statuses: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy()]
        if "{id}" in operation.path:
            resource = operation.path.split("/")[3]
            if resource in world["ids"]:
                strategies.append(
                    operation.as_strategy(path_parameters={"id": world["ids"][resource]})
                )

        _exercise(operation, strategies, clients, counts, statuses, failures, CHECKS)

    elapsed = time.monotonic() - started
    total = sum(counts.values())
    print(
        f"\nschemathesis: {total} cases over {len(counts)} operations in {elapsed:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}; failures {len(failures)}"
    )
    assert not failures, "\n\n".join(failures[:10])
    assert statuses.get(500, 0) == 0
    assert total >= len(counts) * 5


@pytest.mark.slow
@pytest.mark.django_db
def test_schema_negative_run_has_no_server_errors_and_json_errors(
    settings_override, _keep_the_test_connection
):
    """Generated invalid requests for every operation: no 5xx, errors in the API's body."""
    world = _world()
    clients = [{"Authorization": f"Token {token_for(user)}"} for user in world["users"]] + [{}]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    counts: Counter = Counter()
    statuses: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()

    unsatisfiable: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        if "{id}" in operation.path:
            resource = operation.path.split("/")[3]
            if resource in world["ids"] and operation.method.upper() != "GET":
                # A real id with an invalid body or query reaches the view's validation.
                strategies.append(
                    operation.as_strategy(
                        generation_mode=GenerationMode.NEGATIVE,
                        path_parameters={"id": world["ids"][resource]},
                    )
                )
        for strategy in strategies:
            try:
                _exercise(
                    operation,
                    [strategy],
                    clients,
                    counts,
                    statuses,
                    failures,
                    [not_a_server_error, json_error_body],
                    max_examples=MAX_NEGATIVE_EXAMPLES_PER_OPERATION,
                )
            except Unsatisfiable:
                # Nothing in this request can be made invalid (e.g. a fixed id and no body).
                unsatisfiable.append(operation.label)

    elapsed = time.monotonic() - started
    total = sum(counts.values())
    print(
        f"\nschemathesis (negative): {total} cases over {len(counts)} operations in "
        f"{elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}; failures {len(failures)}; "
        f"no invalid input possible for {sorted(set(unsatisfiable))}"
    )
    assert not failures, "\n\n".join(failures[:10])
    assert statuses.get(500, 0) == 0
    assert len(counts) >= 20
    assert sum(n for status, n in statuses.items() if 400 <= status < 500) > 0


def json_error_body(ctx, response, case):
    """Every 4xx/5xx is JSON with exactly {"error": {"code", "message", "fields"}}."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}: {response.text[:200]!r}"
    )
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return None


def _exercise(
    operation,
    strategies,
    clients,
    counts,
    statuses,
    failures,
    checks,
    *,
    max_examples=MAX_EXAMPLES_PER_OPERATION,
):
    """Run one operation's generated cases; tally them and collect check failures."""

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*strategies), headers=st.sampled_from(clients))
    def run(case, headers):
        counts[operation.label] += 1
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, BaseExceptionGroup) as error:  # collect; reported at the end
            failures.append(f"{operation.label}: {str(error)[:600]}")

    run()


@pytest.fixture
def settings_override(settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}
    return settings
