"""The OpenAPI document of /api/v1 is valid, lists the loop's endpoints with both ways to
authenticate, and the API answers generated input (schemathesis) without a server error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

from frivalg.core.services import api_token_create

EXPECTED = {
    ("get", "/api/v1/me"),
    ("get", "/api/v1/tenders"),
    ("get", "/api/v1/tenders/{tender_id}"),
    ("get", "/api/v1/tenders/{tender_id}/questions"),
    ("post", "/api/v1/tenders/{tender_id}/questions"),
    ("get", "/api/v1/tenders/{tender_id}/bids"),
    ("post", "/api/v1/tenders/{tender_id}/lots/{lot_id}/bids"),
    ("get", "/api/v1/bids/{bid_id}"),
    ("post", "/api/v1/bids/{bid_id}/withdraw"),
    ("get", "/api/v1/tenders/{tender_id}/ocds/release-package"),
    ("get", "/api/v1/tenders/{tender_id}/ocds/record-package"),
    ("get", "/api/v1/districts"),
    ("get", "/api/v1/citizens"),
    ("post", "/api/v1/citizens"),
    ("get", "/api/v1/citizens/{citizen_id}"),
    ("get", "/api/v1/citizens/{citizen_id}/assessments"),
    ("post", "/api/v1/assessments"),
    ("get", "/api/v1/decisions"),
    ("post", "/api/v1/decisions"),
    ("get", "/api/v1/decisions/{decision_id}"),
    ("post", "/api/v1/decisions/{decision_id}/end"),
    ("get", "/api/v1/decisions/{decision_id}/providers"),
    ("get", "/api/v1/decisions/{decision_id}/choices"),
    ("post", "/api/v1/decisions/{decision_id}/choice"),
    ("post", "/api/v1/decisions/{decision_id}/switch"),
    ("get", "/api/v1/visits"),
    ("post", "/api/v1/visits"),
    ("get", "/api/v1/visits/{visit_id}"),
    ("post", "/api/v1/visits/{visit_id}/check-in"),
    ("post", "/api/v1/visits/{visit_id}/check-out"),
    ("post", "/api/v1/visits/{visit_id}/cancel"),
    ("post", "/api/v1/visits/{visit_id}/missed"),
    ("post", "/api/v1/visits/import"),
    ("get", "/api/v1/providers"),
    ("get", "/api/v1/providers/{provider_id}"),
    ("get", "/api/v1/approvals"),
    ("get", "/api/v1/services"),
    ("get", "/api/v1/rates"),
    ("get", "/api/v1/price-sheets"),
    ("get", "/api/v1/price-sheets/{sheet_id}"),
    ("get", "/api/v1/after-calculations"),
    ("get", "/api/v1/after-calculations/{after_calculation_id}"),
    ("get", "/api/v1/rates.csv"),
    ("get", "/api/v1/rates.xlsx"),
    ("post", "/api/v1/rates/import"),
    ("put", "/api/v1/services/{service_id}/design"),
    ("get", "/api/v1/time-bands"),
    ("put", "/api/v1/time-bands"),
    ("get", "/api/v1/settlement-runs"),
    ("post", "/api/v1/settlement-runs"),
    ("get", "/api/v1/settlement-runs/{run_id}"),
    ("post", "/api/v1/settlement-runs/{run_id}/approve"),
    ("post", "/api/v1/settlement-runs/{run_id}/export"),
    ("get", "/api/v1/settlement-runs/{run_id}/lines"),
    ("post", "/api/v1/settlement-batches"),
    ("get", "/api/v1/settlement-batches/{batch_id}"),
    ("get", "/api/v1/settlement-runs/{run_id}/statement"),
    ("get", "/api/v1/settlement-runs/{run_id}/invoice.xml"),
    ("post", "/api/v1/settlement-lines/{line_id}/disputes"),
    ("get", "/api/v1/co-payment-bills"),
    ("get", "/api/v1/followup/key-figures"),
    ("get", "/api/v1/followup/indicators"),
    ("get", "/api/v1/followup/indicators/{code}"),
    ("get", "/api/v1/followup/public/{municipality_code}/indicators/{code}"),
    # Assessment, decisions, letters and appeals
    ("put", "/api/v1/assessments/{assessment_id}"),
    ("get", "/api/v1/decisions/{decision_id}/versions"),
    ("post", "/api/v1/decisions/{decision_id}/amend"),
    ("get", "/api/v1/decisions/{decision_id}/letter.pdf"),
    ("get", "/api/v1/decisions/{decision_id}/appeals"),
    ("post", "/api/v1/decisions/{decision_id}/appeals"),
    ("post", "/api/v1/appeals/{appeal_id}/outcome"),
    # Service guidelines and the proposal
    ("get", "/api/v1/guidelines"),
    ("get", "/api/v1/guidelines/{guideline_id}"),
    ("get", "/api/v1/assessments/{assessment_id}/proposal"),
    # Reassessments and flags
    ("get", "/api/v1/reassessments/queue"),
    ("get", "/api/v1/flags"),
    ("post", "/api/v1/flags/{flag_id}/resolve"),
    # Waiting lists
    ("get", "/api/v1/waiting-lists"),
    ("get", "/api/v1/waiting-lists/{list_id}"),
    ("get", "/api/v1/waiting-lists/{list_id}/entries"),
    ("post", "/api/v1/waiting-lists/{list_id}/entries"),
    ("post", "/api/v1/waiting-lists/{list_id}/offer"),
    ("get", "/api/v1/me/waiting-lists"),
    # The purchaser–provider message cycle
    ("get", "/api/v1/messages/allocations"),
    ("post", "/api/v1/messages/allocations/{allocation_id}/acknowledge"),
    ("post", "/api/v1/messages/start-of-care"),
    ("post", "/api/v1/messages/stop-of-care"),
    ("post", "/api/v1/messages/change-requests"),
    ("get", "/api/v1/messages/change-requests/{request_id}"),
    ("post", "/api/v1/messages/frame-adjustments"),
    # Approval on equal terms
    ("get", "/api/v1/municipalities/{code}/requirements"),
    ("post", "/api/v1/approvals"),
    ("get", "/api/v1/approvals/{approval_id}"),
    ("post", "/api/v1/approvals/{approval_id}/capacity"),
    ("get", "/api/v1/capacity"),
    # Comparison and choice
    ("get", "/api/v1/choices/default-rule"),
    ("put", "/api/v1/choices/default-rule"),
    ("post", "/api/v1/ratings"),
    ("post", "/api/v1/complaints"),
    ("get", "/api/v1/complaints"),
    # Meals
    ("get", "/api/v1/meals/menus"),
    ("post", "/api/v1/meals/menus"),
    ("get", "/api/v1/meals/orders"),
    ("post", "/api/v1/meals/orders"),
    ("post", "/api/v1/meals/orders/{order_id}/confirm"),
    ("post", "/api/v1/meals/orders/{order_id}/reject"),
    ("post", "/api/v1/meals/orders/{order_id}/deliver"),
    ("post", "/api/v1/meals/orders/{order_id}/missed"),
    ("post", "/api/v1/meals/orders/{order_id}/cancel"),
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi(db, document):
    validate(document)
    assert document["info"]["title"] == "frivalg API"
    assert document["info"]["version"] == "1"
    assert "Bearer" in document["info"]["description"]


def test_the_document_lists_the_loop(db, document):
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations == EXPECTED


def test_every_operation_accepts_a_token_or_a_session_and_documents_its_errors(db, document):
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert len(operation["security"]) == 2, (method, path)
            assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)


def test_the_import_documents_json_and_csv(db, document):
    body = document["paths"]["/api/v1/visits/import"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "text/csv", "multipart/form-data"}
    assert "rows" in body["application/json"]["schema"]["properties"]


def test_the_interactive_docs_are_served(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# --- no generated input makes the API fail --------------------------------------------------


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def one_db_connection():
    """Keep the test's database connection (and its transaction) across the in-process WSGI
    calls, as Django's own test client does: the end of a request must not close it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


#: No 5xx, and every answer is one the document declares, in the shape it declares.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=10, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_never_cause_a_server_error(case, world, one_db_connection):
    _token, raw = api_token_create(actor=None, user=world.assessor, name="schemathesis")
    response = case.call(headers={"Authorization": f"Bearer {raw}"})
    case.validate_response(response, checks=CHECKS)
