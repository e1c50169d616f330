"""schemathesis over the whole OpenAPI schema: every operation, generated requests both valid and
invalid, against the app in-process (Django's WSGI handler on the test database).

No request may end in a server error, and every answer must be what the schema says: a
documented status code, a documented content type, a body that validates against the documented
schema. The run is deterministic (derandomized, a fixed seed, no example database) and bounded
(MAX_EXAMPLES per operation), so CI sends the same requests every time: 79 operations, about
1,200 requests, 25-50 s on a 2-core machine.

The data is the authorization matrix's world (tests/authorization_world.py): a warehouse with
stock, orders, tasks, counts, suggestions, purchase orders... Generated ids and codes mostly point
at nothing (a 404 or `does_not_exist` proves little), so valid cases get real ones instead: the
id of a real object of the path's resource, and real codes for the natural keys a body or query
names (warehouse, location, product, supplier). GET, PATCH, the actions and the creates then
reach the services with generated quantities, dates and flags. Invalid cases keep what was
generated. Requests go as a user with every role in every warehouse, so no operation stops at
the role check; the refusals themselves are the authorization matrix's business.

Phases: schemathesis's examples phase (the schema's own examples) and fuzzing phase, MAX_EXAMPLES
cases per operation, valid and invalid mixed. Its coverage phase (every boundary and every
missing or mistyped field of every operation: ~6,300 requests, 2-3 minutes here) is unbounded
by design, so it is left out of the suite; WMS_SCHEMATHESIS_COVERAGE=1 adds it for a deeper run
before a release.

Checks: no server error, a documented status code and content type, a body that matches the
documented schema. Left out: `negative_data_rejection` and `positive_data_acceptance` (they
judge a 4xx/2xx by the schema alone, while a valid-looking body is refused for what the data
says: no stock, a wrong state, a code of another warehouse) and the checks that replay a
request as another identity or without auth (the authorization matrix covers who may do what).
"""

import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.authorization_world import World, user_make, world_build
from wms.roles import FLOOR, PURCHASER, SUPERVISOR

MAX_EXAMPLES = 15
COVERAGE_PHASE = os.environ.get("WMS_SCHEMATHESIS_COVERAGE") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The id of a real object for each `/{id}/` resource (keys of World.ids).
REAL_IDS = {
    "warehouses": "warehouse",
    "locations": "location",
    "products": "product",
    "suppliers": "supplier",
    "stock": "quant",
    "stock-levels": "level",
    "moves": "move",
    "tasks": "open_pick",
    "purchase-orders": "draft_po",
    "reorder-rules": "rule",
    "reorder-suggestions": "suggestion",
    "supplier-offers": "offer",
    "receipts": "receipt",
    "orders": "open_order",
    "waves": "wave",
    "pick-faces": "pick_face",
    "counts": "count",
    "audit-events": "audit_event",
    "lots": "lot",
    "imports": "import_job",
}


@pytest.fixture
def world(db) -> World:
    return world_build()


@pytest.fixture
def in_process_requests():
    """Django's WSGI handler closes the connection at the end of a request when it is inside a
    transaction, as the test's is; Django's own test client stops that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, in_process_requests):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        database="none",
    )
    schema.config.seed = 7
    schema.config.phases.coverage.enabled = COVERAGE_PHASE
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def auth_headers(world) -> dict[str, str]:
    everything = user_make("st-all", SUPERVISOR, FLOOR, PURCHASER)
    token = Token.objects.create(user=everything)
    return {"Authorization": f"Token {token.key}"}


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


def _natural_keys(world: World) -> dict[str, str]:
    """Real codes for the natural keys requests name (the world's warehouse A)."""
    return {
        "warehouse": world.ids["warehouse_code"],
        "location": world.ids["location_code"],
        "destination_location": "A-01-02",
        "product": world.ids["product_sku"],
        "supplier": world.ids["supplier_code"],
    }


def _with_real_keys(value, keys: dict[str, str]):
    """``value`` with every generated text under a natural key's name replaced by a real one."""
    if isinstance(value, dict):
        return {
            name: keys[name]
            if name in keys and isinstance(item, str)
            else _with_real_keys(item, keys)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_with_real_keys(item, keys) for item in value]
    return value


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, world, auth_headers):
    if case.meta.generation.mode == GenerationMode.POSITIVE:
        key = REAL_IDS.get(_resource(case.operation.path))
        if case.path_parameters and "id" in case.path_parameters and key is not None:
            real = world.ids[key]
            # Import jobs are addressed by their UUID's 32 hex digits.
            case.path_parameters["id"] = real.hex if isinstance(real, uuid.UUID) else real
        keys = _natural_keys(world)
        if case.query:
            case.query = _with_real_keys(case.query, keys)
        if isinstance(case.body, dict | list):
            case.body = _with_real_keys(case.body, keys)
    # Throttling counts per client address in Redis, which outlives the test database: a fresh
    # address keeps the token endpoint's limit out of this run and this run out of other tests.
    environ = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    # Each request in a savepoint rolled back afterwards: every case meets the same world, and
    # one that the database refused leaves the next a usable connection.
    with transaction.atomic():
        # Marked as a test case's block, so the services' durable atomics may nest in it.
        connection.atomic_blocks[-1]._from_testcase = True
        try:
            case.call_and_validate(headers=auth_headers, checks=CHECKS, environ_base=environ)
        finally:
            transaction.set_rollback(True)
