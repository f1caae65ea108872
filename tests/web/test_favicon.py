"""Every page names the site icon, so browsers show it on tabs and bookmarks instead of requesting a missing file."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import parse


def test_pages_link_the_icon_and_it_is_served(client: TestClient) -> None:
    for page in ("/login", "/"):
        links = parse(client.get(page).text).xpath("//link[@rel='icon']/@href")
        assert links == ["/static/favicon.svg"], page

    icon = client.get("/static/favicon.svg")

    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.lstrip().startswith("<svg")
