"""Every route the app registers, called anonymously and as each role: who gets in, who is refused.

EXPECTED_RULES lists each route's access rule. A route added without a rule, or with another
rule than listed here, fails test_rules_are_as_listed, so opening a route is always a
deliberate change. The calls then check that each rule is enforced. Anonymous API calls get 401,
and anonymous page requests are sent to the sign-in page. A role without the permission gets
403, and a role with it gets past the check (any other status).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.app import create_app
from api.auth import PUBLIC, access_rule
from archive.access import Permission
from archive.settings import Settings
from archive.context import open_archive
from archive.errors import CsrfTokenError
from archive.i18n import get_translations
from cli.samples import write_samples
from ingest.pipeline import ingest_path
from tests.conftest import TEST_PASSWORD, add_user, bearer

READ, WRITE, ADMINISTER = Permission.READ.value, Permission.WRITE.value, Permission.ADMINISTER.value
EXPECTED_RULES = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): READ,
    ("GET", "/account"): READ,
    ("GET", "/admin/audit"): ADMINISTER,
    ("GET", "/admin/audit.csv"): ADMINISTER,
    ("POST", "/account/tokens"): READ,
    ("POST", "/account/tokens/{token_id}/revoke"): READ,
    ("GET", "/"): READ,
    ("GET", "/contracts/{contract_id}"): READ,
    ("GET", "/contracts/{contract_id}/timeline"): READ,
    ("GET", "/contracts/{contract_id}/timeline.pdf"): READ,
    ("GET", "/versions/{version_id}/view"): READ,
    ("GET", "/compare"): READ,
    ("GET", "/versions/{version_id}/pages/{page}.png"): READ,
    ("GET", "/versions/{version_id}"): READ,
    ("GET", "/search"): READ,
    ("GET", "/upload"): WRITE,
    ("POST", "/upload"): WRITE,
    ("POST", "/documents/{document_id}/kind"): WRITE,
    ("POST", "/documents/{document_id}/contract"): WRITE,
    ("POST", "/upload/row"): WRITE,
    ("GET", "/upload/row/{version_id}"): WRITE,
    ("GET", "/upload/results"): WRITE,
    ("POST", "/versions/{version_id}/merge"): WRITE,
    ("POST", "/contracts/{contract_id}/terms"): WRITE,
    ("POST", "/contracts/{contract_id}/records"): WRITE,
    ("POST", "/versions/{version_id}/records"): WRITE,
    ("POST", "/obligations/{obligation_id}/review"): WRITE,
    ("POST", "/contracts/{contract_id}/obligations"): WRITE,
    ("POST", "/obligations/{obligation_id}"): WRITE,
    ("POST", "/alerts/{alert_id}/state"): WRITE,
    ("GET", "/records/{record_id}"): READ,
    ("POST", "/records/{record_id}"): WRITE,
    ("POST", "/records/{record_id}/case-steps"): WRITE,
    ("GET", "/alerts"): READ,
    ("POST", "/calendar-feed"): READ,
    ("GET", "/scores"): READ,
    ("GET", "/api/health"): READ,
    ("GET", "/api/openapi.json"): READ,
    ("GET", "/api/me"): READ,
    ("GET", "/api/tokens"): READ,
    ("POST", "/api/tokens"): READ,
    ("DELETE", "/api/tokens/{token_id}"): READ,
    ("GET", "/api/contracts"): READ,
    ("GET", "/api/contracts/{contract_id}"): READ,
    ("GET", "/api/contracts/{contract_id}/legal-holds"): READ,
    ("GET", "/api/contracts/{contract_id}/access"): READ,
    ("PUT", "/api/contracts/{contract_id}/access"): WRITE,
    ("GET", "/api/contracts/{contract_id}/performance"): READ,
    ("PATCH", "/api/contracts/{contract_id}/terms"): WRITE,
    ("POST", "/api/contracts/{contract_id}/records"): WRITE,
    ("GET", "/api/records/{record_id}"): READ,
    ("PATCH", "/api/records/{record_id}"): WRITE,
    ("POST", "/api/records/{record_id}/attachments"): WRITE,
    ("POST", "/api/records/{record_id}/case-steps"): WRITE,
    ("POST", "/api/records/{record_id}/files"): WRITE,
    ("POST", "/api/contracts/{contract_id}/obligations"): WRITE,
    ("POST", "/api/obligations/{obligation_id}/review"): WRITE,
    ("PATCH", "/api/obligations/{obligation_id}"): WRITE,
    ("GET", "/api/alerts"): READ,
    ("POST", "/api/alerts/{alert_id}/state"): WRITE,
    ("POST", "/api/alerts/run"): ADMINISTER,
    ("GET", "/api/scores/counterparties"): READ,
    ("GET", "/api/exports/ledger.{fmt}"): READ,
    ("GET", "/api/exports/receivables.{fmt}"): READ,
    ("POST", "/api/contracts/{contract_id}/records/import"): WRITE,
    ("POST", "/api/me/calendar-feed"): READ,
    ("GET", "/api/calendar/{secret}.ics"): PUBLIC,
    ("POST", "/api/contracts/{contract_id}/legal-holds"): ADMINISTER,
    ("GET", "/api/versions"): READ,
    ("GET", "/api/versions/{version_id}"): READ,
    ("GET", "/api/versions/{version_id}/download"): READ,
    ("HEAD", "/api/versions/{version_id}/download"): READ,
    ("GET", "/api/search"): READ,
    ("POST", "/api/documents"): WRITE,
    ("PATCH", "/api/documents/{document_id}"): WRITE,
    ("POST", "/api/versions/{version_id}/merge"): WRITE,
    ("POST", "/api/documents/{document_id}/deletion-requests"): WRITE,
    ("GET", "/api/deletion-requests"): ADMINISTER,
    ("POST", "/api/deletion-requests/{request_id}/decision"): ADMINISTER,
    # Evidence API routes (api/evidence_routes.py).
    ("GET", "/api/evidence-drafts"): READ,
    ("POST", "/api/evidence-drafts"): WRITE,
    ("GET", "/api/evidence-drafts/{draft_id}"): READ,
    ("PATCH", "/api/evidence-drafts/{draft_id}"): WRITE,
    ("PUT", "/api/evidence-drafts/{draft_id}/order"): WRITE,
    ("POST", "/api/evidence-drafts/{draft_id}/save"): WRITE,
    ("POST", "/api/evidence-drafts/{draft_id}/items"): WRITE,
    ("PATCH", "/api/evidence-items/{item_id}"): WRITE,
    ("DELETE", "/api/evidence-items/{item_id}"): WRITE,
    ("POST", "/api/evidence-drafts/{draft_id}/builds"): WRITE,
    ("GET", "/api/evidence-builds/{build_id}"): READ,
    ("GET", "/api/evidence-packs/{pack_id}"): READ,
    ("GET", "/api/evidence-packs/{pack_id}/download"): READ,
    ("HEAD", "/api/evidence-packs/{pack_id}/download"): READ,
    ("POST", "/api/evidence-packs/verify"): READ,
    # Evidence pages (web/evidence_pages.py).
    ("GET", "/contracts/{contract_id}/evidence"): READ,
    ("POST", "/contracts/{contract_id}/evidence"): WRITE,
    ("GET", "/evidence-drafts"): READ,
    ("GET", "/evidence-drafts/{draft_id}"): READ,
    ("POST", "/evidence-drafts/{draft_id}/header"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/group-titles"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/contracts"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/items"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/items/{item_id}"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/items/{item_id}/move"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/items/{item_id}/remove"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/save"): WRITE,
    ("POST", "/evidence-drafts/{draft_id}/builds"): WRITE,
    ("GET", "/evidence-builds/{build_id}"): READ,
    ("GET", "/evidence-builds/{build_id}/status"): READ,
    ("GET", "/evidence-packs/{pack_id}/download"): READ,
    ("GET", "/evidence-packs/verify"): READ,
    ("POST", "/evidence-packs/verify"): READ,
}
ROLE_PERMISSIONS = {"viewer": {READ}, "legal": {READ, WRITE}, "admin": {READ, WRITE, ADMINISTER}}
# Mounted applications that need no sign-in: the pages' style sheets.
PUBLIC_MOUNTS = {"/static"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def flat_routes(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Yield (path prefix, route) for every route, looking inside included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from flat_routes(included.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def registered_rules(app) -> dict[tuple[str, str], str | None]:  # type: ignore[no-untyped-def]
    rules: dict[tuple[str, str], str | None] = {}
    for prefix, route in flat_routes(app.routes):
        if isinstance(route, Mount):
            assert prefix + route.path in PUBLIC_MOUNTS, f"mounted application {route.path} has no access rule"
            continue
        assert isinstance(route, APIRoute), f"route {route!r} is not an APIRoute, so no access rule applies to it"
        rule = access_rule(route.endpoint)
        for method in route.methods:
            rules[(method, prefix + route.path)] = rule.value if isinstance(rule, Permission) else rule
    return rules


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app over one ingested sample contract, and an API token for a user of each role."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("matrix"), _env_file=None)
    samples = write_samples(tmp_path_factory.mktemp("samples"))
    archive = open_archive(settings)
    try:
        ingest_path(archive, samples / "采购合同-HT-2024-001.docx")
    finally:
        archive.close()
    tokens = {role: add_user(settings, f"matrix-{role}", role) for role in ROLE_PERMISSIONS}
    with TestClient(create_app(settings)) as client:
        yield client, tokens


def fill(path: str) -> str:
    """Put an id that exists (1) into every path parameter; token ids get one that does not, so none is revoked."""
    return re.sub(r"\{[^}]+\}", "1", path.replace("{token_id}", "999999"))


def call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    # Unsafe calls send an empty JSON body: an allowed call stops at validation and changes nothing.
    body = {"json": {}} if method in UNSAFE and path.startswith("/api") else {}
    return client.request(method, fill(path), headers=headers or {}, follow_redirects=False, **body)


def test_rules_are_as_listed(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix

    assert registered_rules(client.app) == EXPECTED_RULES


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_RULES))
def test_anonymous_is_refused(matrix, method: str, path: str):  # type: ignore[no-untyped-def]
    client, _ = matrix
    client.cookies.clear()

    response = call(client, method, path)

    if path == "/api/calendar/{secret}.ics":
        # The secret in the address is the credential: one that matches no user is not found.
        assert response.status_code == 404, response.text
    elif EXPECTED_RULES[(method, path)] == PUBLIC:
        # Open without sign-in: the page itself responds (POST /login refuses a form without its login token).
        assert response.status_code in (200, 403), response.text
        assert "/login?next=" not in response.headers.get("location", "")
    elif path.startswith("/api"):
        assert response.status_code == 401, response.text
        if method != "HEAD":
            assert response.json()["error"]["code"] == "not_signed_in"
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
@pytest.mark.parametrize(("method", "path"), sorted(key for key, rule in EXPECTED_RULES.items() if rule != PUBLIC))
def test_role_gets_what_it_may(matrix, role: str, method: str, path: str):  # type: ignore[no-untyped-def]
    client, tokens = matrix
    client.cookies.clear()

    response = call(client, method, path, bearer(tokens[role]))

    if EXPECTED_RULES[(method, path)] in ROLE_PERMISSIONS[role]:
        assert response.status_code not in (401, 403), f"{role} refused: {response.text}"
    else:
        assert response.status_code == 403, f"{role} let in: {response.status_code} {response.text}"
        if path.startswith("/api") and method != "HEAD":
            assert response.json()["error"]["code"] == "role_required"


def test_revoked_token_refused(matrix):  # type: ignore[no-untyped-def]
    client, tokens = matrix
    headers = bearer(add_user(client.app.state.archive.settings, "matrix-revoked", "viewer"))
    token_id = client.get("/api/tokens", headers=headers).json()[0]["id"]

    assert client.delete(f"/api/tokens/{token_id}", headers=headers).status_code == 200
    assert client.get("/api/contracts", headers=headers).status_code == 401


def test_wrong_token_refused(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix

    response = client.get("/api/contracts", headers=bearer("ca_not-a-token"))

    assert response.status_code == 401


def test_session_changes_need_csrf_token(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix
    client.cookies.clear()
    add_user(client.app.state.archive.settings, "matrix-browser", "admin")
    sign_in(client, "matrix-browser")
    refused = []
    for method, path in sorted(EXPECTED_RULES):
        if method not in UNSAFE or EXPECTED_RULES[(method, path)] == PUBLIC:
            continue
        if path in ("/upload", "/upload/row", "/api/documents", "/api/records/{record_id}/files",
                    "/api/evidence-packs/verify"):
            # Uploads are streamed, so the route reads the token from the form: send a form without one.
            response = client.post(fill(path), files={"file": ("a.txt", b"x")}, follow_redirects=False)
        else:
            response = call(client, method, path)
        if response.status_code != 403 or not csrf_refusal(response.text):
            refused.append((method, path, response.status_code))
    assert refused == []


def csrf_refusal(body: str) -> bool:
    """Tell whether a response body is the CSRF refusal: the API's error code, or the page's message in Chinese."""
    message = get_translations("zh_CN").gettext(CsrfTokenError.template)
    return '"code":"csrf_token_invalid"' in body or html.escape(message, quote=True) in body


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the form; return the page's CSRF token."""
    page = client.get("/login")
    login_token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "login_token": login_token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]


def test_changes_with_csrf_token_pass(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix
    client.cookies.clear()
    add_user(client.app.state.archive.settings, "matrix-csrf", "legal")
    csrf = sign_in(client, "matrix-csrf")

    response = client.post("/api/tokens", json={"name": "from the browser"}, headers={"X-CSRF-Token": csrf})

    assert response.status_code == 201
    assert response.json()["token"].startswith("ca_")


def test_unknown_path_is_not_found(matrix):  # type: ignore[no-untyped-def]
    client, tokens = matrix

    assert client.get("/api/no-such-route", headers=bearer(tokens["admin"])).status_code == 404


def test_static_assets_open(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix
    client.cookies.clear()

    response = client.get("/static/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


def test_fastapi_documentation_pages_off(matrix):  # type: ignore[no-untyped-def]
    client, _ = matrix
    client.cookies.clear()

    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path, follow_redirects=False).status_code == 404, path
