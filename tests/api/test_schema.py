"""A property-based run over the OpenAPI schema (schemathesis, against the WSGI app).

Every operation of /api/schema/ gets generated requests (valid per the schema) sent as one of
three clients — an enterprise member's token, a vendor member's token, anonymous — over a
small seeded world. The run must produce zero server errors and zero responses that break the
schema (status codes, content types, bodies). It prints how many cases ran.
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
from schemathesis.checks import not_a_server_error
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

        _exercise(operation, strategies, clients, counts, statuses, failures)

    elapsed = time.monotonic() - started
    total = sum(counts.values())
    print(
        f"\nschemathesis: {total} cases over {len(counts)} operations in {elapsed:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}; failures {len(failures)}"
    )
    assert not failures, "\n\n".join(failures[:10])
    assert statuses.get(500, 0) == 0
    assert total >= len(counts) * 5


def _exercise(operation, strategies, clients, counts, statuses, failures):
    """Run one operation's generated cases; tally them and collect check failures."""

    @settings(
        max_examples=MAX_EXAMPLES_PER_OPERATION,
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
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as error:  # collect; reported at the end
            failures.append(f"{operation.label}: {str(error)[:600]}")

    run()


@pytest.fixture
def settings_override(settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}
    return settings
