"""The original PDF page by page, with a clause highlighted on its page."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

import pdfplumber
import pytest

from archive.models import Clause
from archive.page_images import SCALE
from archive.services.restrictions import restrict_contract
from archive.access import SYSTEM
from ingest import renditions
from ingest.pipeline import ingest_path
from ingest.readers.legacy import find_soffice
from ingest.renditions import _SPACE, locate_text
from tests.conftest import corpus_file, signed_in_client
from tests.web.conftest import parse
from tests.web.test_performance_pages import archive_of

PDF = "zh_office-equipment-procurement-contract_original.pdf"
DOCX = "zh_zhaoxin_source-code-sales-contract_filled_tracked-ins.docx"
needs_libreoffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")


def ingest_pdf(client: TestClient, *, index: bool = False):  # type: ignore[no-untyped-def]
    result = ingest_path(archive_of(client), corpus_file(PDF), index=index)
    with archive_of(client).session() as session:
        clause = session.scalars(select(Clause).where(
            Clause.document_version_id == result.document_version_id, Clause.page_start == 2,
            Clause.role == "clause")).first()
        return result, clause.id, clause.boxes


def image_at(client: TestClient, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def test_viewer_lists_pages_and_marks_the_clause_page(client: TestClient) -> None:
    result, clause_id, _ = ingest_pdf(client)
    page = client.get(f"/versions/{result.document_version_id}/view?clause={clause_id}")
    assert page.status_code == 200
    tree = parse(page.text)
    sources = tree.xpath("//ol[@class='pages']//img/@src")
    assert sources == [f"/versions/{result.document_version_id}/pages/{n}.png?clause={clause_id}" for n in (1, 2, 3)]
    assert tree.xpath("//li[@class='current']/@id") == ["page-2"]
    image = image_at(client, sources[1])
    assert tree.xpath("//ol[@class='pages']//img/@width")[1] == str(image.width)
    assert tree.xpath("//ol[@class='pages']//img/@height")[1] == str(image.height)
    assert tree.xpath("//a[@href='#page-2']")


def test_page_image_highlights_the_clause_boxes(client: TestClient) -> None:
    result, clause_id, boxes = ingest_pdf(client)
    base = f"/versions/{result.document_version_id}/pages/2.png"
    plain, marked = image_at(client, base), image_at(client, f"{base}?clause={clause_id}")
    assert plain.size == marked.size
    [_, x0, top, x1, bottom] = next(box for box in boxes if box[0] == 2)
    # A point inside the clause's box, between lines of text, is white on the plain page and tinted when marked.
    inside = (int((x0 + 2) * SCALE), int((top + bottom) / 2 * SCALE))
    outside = (int(x1 * SCALE) + 40, int(bottom * SCALE) + 40)
    differing = [point for point in ((inside[0], y) for y in range(int(top * SCALE), int(bottom * SCALE)))
                 if plain.getpixel(point) != marked.getpixel(point)]
    assert differing, "no pixel inside the clause's box changed"
    red, green, blue = marked.getpixel(differing[0])
    assert blue < red  # tinted yellow-orange
    assert plain.getpixel(outside) == marked.getpixel(outside)


def test_missing_page_is_not_found(client: TestClient) -> None:
    result, _, _ = ingest_pdf(client)
    assert client.get(f"/versions/{result.document_version_id}/pages/4.png").status_code == 404
    assert client.get(f"/versions/{result.document_version_id}/pages/0.png").status_code == 404


def docx_clause(client: TestClient, heading_part: str) -> tuple[int, Clause]:
    result = ingest_path(archive_of(client), corpus_file(DOCX), index=False)
    with archive_of(client).session() as session:
        clauses = session.scalars(select(Clause).where(Clause.document_version_id == result.document_version_id)
                                  .order_by(Clause.ordinal)).all()
        clause = next(c for c in clauses if heading_part in (c.heading or "") + c.text)
        session.expunge(clause)
    return result.document_version_id, clause


@needs_libreoffice
def test_docx_clause_marked_in_copy(client: TestClient) -> None:
    version_id, clause = docx_clause(client, "违约责任")
    located = client.get(f"/versions/{version_id}/view?clause={clause.id}&locate=1", follow_redirects=False)
    assert located.status_code == 303
    target = located.headers["location"]
    assert target.startswith(f"/versions/{version_id}/view?clause={clause.id}#page-")
    page_number = int(target.rsplit("-", 1)[1])
    assert page_number > 1  # the clause is not on the first page of this contract

    page = client.get(target.split("#")[0])
    tree = parse(page.text)
    assert tree.xpath("//p[@role='note']"), "the page does not say it shows a copy"
    assert tree.xpath("//li[@class='current']/@id") == [f"page-{page_number}"]

    # The marked place on the copy contains the clause's own words.
    copy = archive_of(client).settings.data_dir / "renditions"
    [pdf] = list(copy.glob("*.pdf"))
    boxes = locate_text(pdf, clause.text)
    with pdfplumber.open(pdf) as document:
        first = boxes[0]
        shown = document.pages[first[0] - 1].crop(first[1:]).extract_text()
    assert _SPACE.sub("", shown)[:6] == _SPACE.sub("", clause.text)[:6]

    base = f"/versions/{version_id}/pages/{page_number}.png"
    plain, marked = image_at(client, base), image_at(client, f"{base}?clause={clause.id}")
    assert plain.size == marked.size
    assert plain.tobytes() != marked.tobytes()


def test_docx_without_libreoffice_opens_text(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    version_id, clause = docx_clause(client, "违约责任")
    monkeypatch.setattr(renditions, "find_soffice", lambda: None)
    answer = client.get(f"/versions/{version_id}/view?clause={clause.id}&locate=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/versions/{version_id}#clause-{clause.id}"
    assert client.get(f"/versions/{version_id}/pages/1.png").status_code == 404
    version_page = parse(client.get(f"/versions/{version_id}").text)
    assert not version_page.xpath("//a[contains(@href, '/view?clause=')]")


def test_search_hit_of_a_pdf_opens_its_page(client: TestClient) -> None:
    result, clause_id, _ = ingest_pdf(client, index=True)
    with archive_of(client).session() as session:
        heading = session.get(Clause, clause_id).heading
    tree = parse(client.get("/search", params={"q": heading}).text)
    links = tree.xpath("//li[@class='hit']/a[1]/@href")
    assert f"/versions/{result.document_version_id}/view?clause={clause_id}#page-2" in links, links


def test_restricted_contract_pages_are_hidden(client: TestClient) -> None:
    result, clause_id, _ = ingest_pdf(client)
    with archive_of(client).session() as session:
        restrict_contract(session, SYSTEM, result.contract_id, usernames=[], group_names=[])
    with signed_in_client(archive_of(client).settings, "legal") as outsider:
        assert outsider.get(f"/versions/{result.document_version_id}/view").status_code == 404
        assert outsider.get(f"/versions/{result.document_version_id}/pages/1.png").status_code == 404


def test_version_page_links_clauses_to_their_page(client: TestClient) -> None:
    result, clause_id, _ = ingest_pdf(client)
    page = parse(client.get(f"/versions/{result.document_version_id}").text)
    assert page.xpath(f"//a[@href='/versions/{result.document_version_id}/view?clause={clause_id}#page-2']")
