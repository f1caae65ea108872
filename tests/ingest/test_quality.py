from ingest.parsed import BBox, Block, Page, ParsedDocument
from ingest.quality import assess_document


def page(number: int, *, needs_ocr: bool = False) -> Page:
    return Page(number=number, width=595, height=842, char_count=0, needs_ocr=needs_ocr,
                ocr_reason="garbage text layer" if needs_ocr else None)


def test_clean_document_is_trusted() -> None:
    doc = ParsedDocument(
        media_type="application/pdf",
        blocks=(Block(text="第一条 合同标的", page=1, bbox=BBox(0, 0, 1, 1)),
                Block(text="货物 | 数量", page=1, cells=("货物", "数量"))),
        pages=(page(1),),
    )

    quality = assess_document(doc)

    assert quality["verdict"] == "trusted"
    assert quality["table_rows"] == 1
    assert quality["pages"][0]["chars"] == 12  # 第一条合同标的 (7) + 货物|数量 (5)
    assert quality["pages"][0]["expected_share"] == 1.0


def test_page_without_text_means_review() -> None:
    doc = ParsedDocument(
        media_type="application/pdf",
        blocks=(Block(text="第一条 合同标的", page=1),),
        pages=(page(1), page(2, needs_ocr=True)),
    )

    quality = assess_document(doc)

    assert quality["verdict"] == "review"
    assert quality["pages_needing_ocr"] == [2]
    assert quality["pages"][1]["expected_share"] is None


def test_all_pages_garbage_is_unreadable() -> None:
    doc = ParsedDocument(media_type="application/pdf", blocks=(), pages=(page(1, needs_ocr=True),))
    assert assess_document(doc)["verdict"] == "unreadable"


def test_docx_revisions_recorded() -> None:
    doc = ParsedDocument(media_type="docx", blocks=(Block(text="总价款为陆万元整。", paragraph_index=0),),
                         has_revisions=True)
    quality = assess_document(doc)
    assert quality["has_revisions"] is True
    assert quality["pages"] == []
    assert quality["verdict"] == "trusted"
