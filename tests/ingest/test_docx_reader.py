"""Tests of read_docx on synthetic DOCX files and on the real corpus documents."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from archive import notices
from archive.errors import CorruptFileError, EncryptedFileError, LegacyWordFormatError
from ingest.normalize import normalize_text
from ingest.readers.docx_xml import row_text
from ingest.readers.docx import DOCX_MEDIA_TYPE, read_docx
from tests.ingest.docx_samples import (
    W_NS,
    build_docx,
    cell,
    comment,
    complex_field,
    content_control,
    note,
    note_reference,
    paragraph,
    row,
    run,
    section,
    story,
    table,
    text_box,
)

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def _read(body: str) -> object:
    return read_docx(build_docx(body), filename="sample.docx")


# Tracked changes.


def test_tracked_replacement_accepted_view() -> None:
    body = (
        "<w:p>"
        + run("总价款为")
        + '<w:del w:id="1" w:author="a"><w:r><w:delText>伍万元</w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="a">' + run("陆万元") + "</w:ins>"
        + run("整。")
        + "</w:p>"
    )
    doc = _read(body)

    assert doc.has_revisions is True
    assert doc.blocks[0].text == normalize_text("总价款为陆万元整。")
    assert doc.blocks[0].original_text == normalize_text("总价款为伍万元整。")


def test_move_from_dropped_move_to_kept() -> None:
    body = (
        "<w:p>" + '<w:moveFrom w:id="1" w:author="a">' + run("旧位置") + "</w:moveFrom>" + run("条款")
        + '<w:moveTo w:id="2" w:author="a">' + run("新位置") + "</w:moveTo></w:p>"
    )
    doc = _read(body)

    assert doc.has_revisions is True
    assert doc.blocks[0].text == "条款新位置"
    assert doc.blocks[0].original_text == "旧位置条款"


def test_deleted_paragraph_mark_joins_next() -> None:
    body = (
        '<w:p><w:pPr><w:rPr><w:del w:id="1" w:author="a"/></w:rPr></w:pPr>' + run("甲方应") + "</w:p>"
        + paragraph("按期付款。")
    )
    doc = _read(body)

    assert doc.has_revisions is True
    assert len(doc.blocks) == 1
    assert doc.blocks[0].text == "甲方应按期付款。"
    assert doc.blocks[0].original_text == "甲方应\n按期付款。"


def test_plain_document_has_no_revisions() -> None:
    doc = _read(paragraph("本合同一式两份。"))

    assert doc.has_revisions is False
    assert doc.blocks[0].original_text is None
    assert doc.media_type == DOCX_MEDIA_TYPE


# Content controls, text boxes, fields and inline wrappers.


def test_content_controls_all_levels_read() -> None:
    body = (
        content_control(paragraph("甲方：华东公司"), "block")
        + "<w:p>" + run("乙方：") + content_control(run("西南公司"), "inline") + "</w:p>"
        + table(
            content_control(row(cell("品名"), cell("数量")), "row"),
            row(cell("电缆"), content_control(cell("12"), "cell")),
        )
    )
    doc = _read(body)
    texts = [block.text for block in doc.blocks]

    assert texts[0] == normalize_text("甲方：华东公司")
    assert texts[1] == normalize_text("乙方：西南公司")
    assert doc.blocks[2].cells == ("品名", "数量")
    assert doc.blocks[3].cells == ("电缆", "12")
    assert doc.metadata["content_controls"] == "4"


def test_text_box_read_once() -> None:
    body = "<w:p>" + run("正文") + text_box("盖章处") + "</w:p>" + paragraph("下一段")
    doc = _read(body)
    texts = [block.text for block in doc.blocks]

    assert texts == ["正文", "盖章处", "下一段"]
    assert doc.text.count("盖章处") == 1


def test_field_code_hidden_result_shown() -> None:
    body = (
        "<w:p>" + run("见第")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> REF _Ref1 \\h </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("5")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + run("条")
        + '<w:fldSimple w:instr=" PAGE ">' + run("3") + "</w:fldSimple>"
        + "</w:p>"
    )
    doc = _read(body)

    assert doc.blocks[0].text == "见第5条3"
    assert "REF" not in doc.text


def test_hyperlink_smarttag_tab_break() -> None:
    body = (
        '<w:p><w:hyperlink r:id="rIdX">' + run("www.example.cn") + "</w:hyperlink>"
        + '<w:smartTag w:uri="u" w:element="date">' + run("2024年3月5日") + "</w:smartTag>"
        + "<w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t></w:r></w:p>"
    )
    doc = _read(body)

    assert doc.blocks[0].text == normalize_text("www.example.cn2024年3月5日A\tB\nC")


def test_empty_paragraphs_skipped_index_dense() -> None:
    body = paragraph("第一段") + "<w:p/>" + paragraph("   ") + paragraph("第二段")
    doc = _read(body)

    assert [block.paragraph_index for block in doc.blocks] == [0, 1]
    assert [block.text for block in doc.blocks] == ["第一段", "第二段"]


# Tables.


def test_merged_cells_filled() -> None:
    body = table(
        row(cell("名称"), cell("规格", span=2), cell("备注")),
        row(cell("电缆", v_merge="restart"), cell("3x4"), cell("100m"), cell("")),
        row(cell(v_merge="continue"), cell("3x6"), cell("50m"), cell("急")),
    )
    doc = _read(body)

    assert [block.cells for block in doc.blocks] == [
        ("名称", "规格", "规格", "备注"),
        ("电缆", "3x4", "100m", ""),
        ("电缆", "3x6", "50m", "急"),
    ]
    assert doc.blocks[2].text == "电缆 | 3x6 | 50m | 急"
    assert all(block.style is None for block in doc.blocks)


def test_nested_table_flattened_into_cell() -> None:
    inner = table(row(cell("a"), cell("b")), row(cell("c"), cell("d")))
    body = table(row(cell("外层"), cell(content=paragraph("明细") + inner + "<w:p/>")))
    doc = _read(body)

    assert len(doc.blocks) == 1
    assert doc.blocks[0].cells == ("外层", "明细\na | b\nc | d")


def test_deleted_row_dropped_inserted_row_kept() -> None:
    body = table(
        row(cell("保留")),
        row(cell("删除"), properties='<w:del w:id="1" w:author="a"/>'),
        row(cell("新增"), properties='<w:ins w:id="2" w:author="a"/>'),
    )
    doc = _read(body)

    assert doc.has_revisions is True
    assert [block.text for block in doc.blocks] == ["保留", "新增"]
    assert doc.blocks[1].original_text == ""


# Headers and footers.


def test_header_kept_apart_from_body() -> None:
    header = "<w:p>" + run("华东电缆有限公司") + "</w:p><w:p>" + complex_field("PAGE", "8") + "</w:p>"
    footer = (
        "<w:p>" + run("第 ") + complex_field("PAGE  \\* MERGEFORMAT", "8") + run(" 页 共 ")
        + '<w:fldSimple w:instr=" NUMPAGES ">' + run("9") + "</w:fldSimple>" + run(" 页") + "</w:p>"
    )
    # Two sections share the default header, and the second adds a first-page header.
    body = (
        '<w:p><w:pPr>' + section(("header", "default", "rIdheader1")) + "</w:pPr>" + run("正文第一节") + "</w:p>"
        + paragraph("正文第二节")
        + section(
            ("header", "default", "rIdheader1"),
            ("header", "first", "rIdheader2"),
            ("footer", "default", "rIdfooter1"),
        )
    )
    stories = (
        story("header", header),
        story("header", paragraph("合同编号：HD-2024-017"), 2),
        story("footer", footer),
    )
    doc = read_docx(build_docx(body, stories=stories), filename="sample.docx")

    assert doc.page_furniture == (normalize_text("华东电缆有限公司"), normalize_text("合同编号：HD-2024-017"))
    assert [block.text for block in doc.blocks] == ["正文第一节", "正文第二节"]
    # Page numbers (8) and counts (9) come from fields, which are skipped.
    assert "8" not in "".join(doc.page_furniture)
    assert "9" not in "".join(doc.page_furniture)


# Footnotes and endnotes.


def test_footnote_follows_its_paragraph() -> None:
    footnotes = (
        note("footnote", -1, "", "separator") + note("footnote", 0, "", "continuationSeparator")
        + note("footnote", 1, "以实际到账日为准")
    )
    body = (
        "<w:p>" + run("付款日期") + note_reference("footnote", 1) + "</w:p>"
        + "<w:p>" + run("验收标准") + note_reference("endnote", 2) + "</w:p>"
        + paragraph("争议解决")
    )
    stories = (story("footnotes", footnotes), story("endnotes", note("endnote", 2, "见附件二")))
    doc = read_docx(build_docx(body, stories=stories), filename="sample.docx")
    texts = [block.text for block in doc.blocks]

    assert texts == ["付款日期", "以实际到账日为准", "验收标准", "见附件二", "争议解决"]
    assert doc.blocks[1].style == "footnote"
    assert doc.blocks[3].style == "endnote"
    assert doc.text.count("以实际到账日为准") == 1
    assert [block.paragraph_index for block in doc.blocks] == list(range(5))
    assert not any("footnote" in warning for warning in doc.warnings)


# Legacy form fields.


def test_form_text_value_once() -> None:
    ff_data = '<w:ffData><w:name w:val="Text1"/><w:textInput><w:default w:val="请填写"/></w:textInput></w:ffData>'
    body = "<w:p>" + run("乙方：") + complex_field("FORMTEXT", "西南公司", ff_data=ff_data) + "</w:p>"
    doc = _read(body)

    assert doc.blocks[0].text == normalize_text("乙方：西南公司")
    assert "请填写" not in doc.text


def test_form_text_without_result_shows_default() -> None:
    ff_data = '<w:ffData><w:textInput><w:default w:val="十五"/></w:textInput></w:ffData>'
    body = "<w:p>" + run("期限") + complex_field("FORMTEXT", ff_data=ff_data, separate=False) + run("日") + "</w:p>"

    assert _read(body).blocks[0].text == "期限十五日"


def test_form_checkboxes_rendered() -> None:
    def box(settings: str, *, separate: bool) -> str:
        ff_data = f"<w:ffData><w:checkBox><w:sizeAuto/>{settings}</w:checkBox></w:ffData>"
        return complex_field("FORMCHECKBOX", ff_data=ff_data, separate=separate)

    body = (
        "<w:p>"
        + box('<w:default w:val="1"/>', separate=True) + run("同意")
        + box('<w:default w:val="0"/>', separate=False) + run("不同意")
        + box('<w:default w:val="0"/><w:checked/>', separate=True) + run("其他")
        + box('<w:default w:val="1"/><w:checked w:val="0"/>', separate=False) + run("弃权")
        + "</w:p>"
    )

    assert _read(body).blocks[0].text == "☑同意☐不同意☑其他☐弃权"


def test_form_dropdown_selected_entry() -> None:
    entries = "".join(f'<w:listEntry w:val="{entry}"/>' for entry in ("月付", "季付", "年付"))
    ff_data = f'<w:ffData><w:ddList><w:result w:val="1"/>{entries}</w:ddList></w:ffData>'
    # The stale result run must not show next to the chosen entry.
    body = "<w:p>" + run("结算方式：") + complex_field("FORMDROPDOWN", "月付", ff_data=ff_data) + "</w:p>"
    doc = _read(body)

    assert doc.blocks[0].text == normalize_text("结算方式：季付")


# Revision authors and comments.


def test_revision_authors_recorded() -> None:
    body = (
        paragraph("鉴于条款")
        + "<w:p>" + run("总价款为")
        + '<w:del w:id="1" w:author="李四" w:date="2024-03-01T09:00:00Z"><w:r><w:delText>伍万元</w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="张三" w:date="2024-03-02T09:00:00Z">' + run("陆万元") + "</w:ins>"
        + '<w:r><w:rPr><w:b/><w:rPrChange w:id="3" w:author="王五"><w:rPr/></w:rPrChange></w:rPr><w:t>整</w:t></w:r>'
        + "</w:p>"
        + table(row(cell("新增行"), properties='<w:ins w:id="4" w:author="赵六"/>'))
    )
    doc = _read(body)
    changes = [(r.kind, r.author, r.text, r.paragraph_index) for r in doc.revisions]

    assert changes == [
        ("delete", "李四", "伍万元", 1),
        ("insert", "张三", "陆万元", 1),
        ("format", "王五", "整", 1),
        ("insert", "赵六", "", 2),
    ]
    assert doc.revisions[0].date == "2024-03-01T09:00:00Z"
    assert doc.has_revisions is True


def test_comment_kept_apart() -> None:
    body = (
        paragraph("第一条 标的")
        + '<w:p><w:commentRangeStart w:id="5"/>' + run("总价款为陆万元。")
        + '<w:commentRangeEnd w:id="5"/><w:r><w:commentReference w:id="5"/></w:r></w:p>'
    )
    stories = (story("comments", comment(5, "法务部", "请核实金额")),)
    doc = read_docx(build_docx(body, stories=stories), filename="sample.docx")

    assert len(doc.comments) == 1
    assert doc.comments[0].text == "请核实金额"
    assert doc.comments[0].author == "法务部"
    assert doc.comments[0].paragraph_index == 1
    assert all("核实" not in block.text for block in doc.blocks)
    assert notices.DOCX_COMMENTS in doc.warnings
    assert doc.metadata["comments"] == "1"


# Broken and protected files.


def test_not_a_zip_is_corrupt() -> None:
    with pytest.raises(CorruptFileError):
        read_docx(b"PK\x03\x04 truncated", filename="broken.docx")


def test_malformed_document_xml_is_corrupt() -> None:
    data = build_docx(paragraph("x"))
    patched = _replace_part(data, "word/document.xml", b"<w:document><w:body>")
    with pytest.raises(CorruptFileError):
        read_docx(patched, filename="broken.docx")


def test_encrypted_ooxml_rejected() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(EncryptedFileError):
        read_docx(data, filename="locked.docx")


def test_legacy_doc_rejected() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "WordDocument".encode("utf-16-le")
    with pytest.raises(LegacyWordFormatError):
        read_docx(data, filename="old.docx")


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    import io

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info))
    return buffer.getvalue()


# Real corpus documents.


def _corpus_file(prefix: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip("corpus folder is absent")
    matches = sorted(CORPUS.glob(prefix + "*.docx"))
    if not matches:
        pytest.skip(f"no corpus file starts with {prefix}")
    return matches[0]


def _corpus_docx_names() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(path.name for path in CORPUS.glob("*.docx"))


def _document_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def _read_corpus(path: Path):
    return read_docx(path.read_bytes(), filename=path.name)


@pytest.mark.corpus
@pytest.mark.parametrize("name", _corpus_docx_names())
def test_corpus_docx_reads(name: str) -> None:
    doc = _read_corpus(CORPUS / name)

    assert doc.blocks
    assert [block.paragraph_index for block in doc.blocks] == list(range(len(doc.blocks)))
    assert all(block.text for block in doc.blocks)
    for block in doc.blocks:
        if block.cells is not None:
            assert block.text == row_text(block.cells)


@pytest.mark.corpus
def test_corpus_model_contract_clause_labels() -> None:
    doc = _read_corpus(_corpus_file("zh_gf-2024-2612"))
    body = [block for block in doc.blocks if not (block.style or "").startswith("toc")]
    texts = [block.text for block in body]

    # Level 0 of this list is decimal "第%1条", as the static table of contents also shows.
    clause_labels = [text for text in texts if re.match(r"第\d+条", text)]
    assert clause_labels[0].startswith("第1条")
    assert any(text.startswith("第2条") for text in clause_labels)
    assert any(text.startswith("1.1 ") for text in texts)
    assert any(text.startswith("1.1.1 ") for text in texts)
    # Chinese "一、" labels come from chineseCountingThousand levels.
    assert any(text.startswith("一、") for text in texts)


@pytest.mark.corpus
def test_corpus_saas_heading_numbers() -> None:
    doc = _read_corpus(_corpus_file("en_yc-form-saas"))
    headings = [block.text for block in doc.blocks if block.style == "Heading 3"]
    subsections = [block.text for block in doc.blocks if block.style == "Heading 4"]
    numbers = [int(match.group(1)) for text in headings if (match := re.match(r"(\d+)\. ", text))]

    assert headings[0] == "1. SAAS SERVICES AND SUPPORT"
    assert headings[1].startswith("2. RESTRICTIONS")
    assert numbers == list(range(1, 10))
    assert subsections[0].startswith("1.1 ")
    assert subsections[2].startswith("2.1 ")


@pytest.mark.corpus
def test_corpus_lease_content_controls() -> None:
    path = _corpus_file("zh_junlian_lease-contract")
    doc = _read_corpus(path)
    text = doc.text.replace(" | ", "\n")

    controls = list(_document_xml(path).iter(f"{{{W_NS}}}sdt"))
    assert doc.metadata["content_controls"] == str(len(controls))
    read = 0
    for control in controls:
        # Compare paragraph by paragraph, because a control may span several.
        paragraphs = list(control.iter(f"{{{W_NS}}}p")) or [control]
        for element in paragraphs:
            pieces = [node.text or "" for node in element.iter(f"{{{W_NS}}}t")]
            value = normalize_text("".join(pieces)).strip()
            if value:
                assert value in text, value
                read += 1
    assert read >= 30


@pytest.mark.corpus
def test_corpus_korean_tracked_changes() -> None:
    doc = _read_corpus(_corpus_file("ko_miraeasset"))
    changed = [block for block in doc.blocks if block.original_text is not None]

    assert doc.has_revisions is True
    assert len(changed) >= 10
    assert all(block.text != block.original_text for block in changed)


@pytest.mark.corpus
def test_corpus_korean_revision_authors() -> None:
    path = _corpus_file("ko_miraeasset")
    doc = _read_corpus(path)
    kinds = [revision.kind for revision in doc.revisions]
    root = _document_xml(path)

    # Every w:ins and w:del element is one revision, paragraph-mark changes included.
    assert kinds.count("insert") == len(list(root.iter(f"{{{W_NS}}}ins")))
    assert 120 <= kinds.count("insert") <= 140
    assert 38 <= kinds.count("delete") <= 46
    assert all(revision.author for revision in doc.revisions)
    located = [r for r in doc.revisions if r.text and r.paragraph_index is not None]
    assert located
    assert all(0 <= r.paragraph_index < len(doc.blocks) for r in located)


@pytest.mark.corpus
def test_corpus_lease_header_furniture() -> None:
    doc = _read_corpus(_corpus_file("zh_junlian_lease-contract"))

    # The header is a text box written twice (DrawingML and VML), and the footer holds only page fields.
    assert len(doc.page_furniture) == 1
    assert "租赁合同" in doc.page_furniture[0]
    assert not any("页" in text for text in doc.page_furniture)


@pytest.mark.corpus
def test_corpus_tracked_insertions_flagged() -> None:
    doc = _read_corpus(_corpus_file("zh_zhaoxin_source-code-sales-contract_filled"))

    assert doc.has_revisions is True
    assert any(block.original_text is not None for block in doc.blocks)


@pytest.mark.corpus
def test_corpus_procurement_numbered_paragraphs() -> None:
    path = _corpus_file("zh_wole_equipment-procurement")
    doc = _read_corpus(path)
    texts = [block.text for block in doc.blocks if block.cells is None]

    numbered = [
        paragraph
        for paragraph in _document_xml(path).iter(f"{{{W_NS}}}p")
        if paragraph.find(f"{{{W_NS}}}pPr/{{{W_NS}}}numPr") is not None
    ]
    # Hidden level-0 paragraphs advance the count without showing a number, and numId 0
    # switches numbering off.
    hidden = [p for p in numbered if p.find(f"{{{W_NS}}}pPr/{{{W_NS}}}rPr/{{{W_NS}}}vanish") is not None]
    switched_off = [
        p for p in numbered
        if p.find(f"{{{W_NS}}}pPr/{{{W_NS}}}numPr/{{{W_NS}}}numId").get(f"{{{W_NS}}}val") == "0"
    ]
    assert len(numbered) == 56
    sub_clauses = [text for text in texts if re.match(r"\d+\.\d+ ", text)]
    assert len(sub_clauses) == len(numbered) - len(hidden) - len(switched_off)
    assert sub_clauses[0].startswith("1.1 ")
    assert sub_clauses[-1].startswith("13.5 ")
    headings = [text for text in texts if re.match(r"[一二三四五六七八九十]+、", text)]
    assert len(headings) == 13
    assert headings[-1].startswith("十三、")


@pytest.mark.corpus
def test_corpus_acceptance_report_tables() -> None:
    doc = _read_corpus(_corpus_file("zh_swun_project-acceptance-report"))
    rows = [block for block in doc.blocks if block.cells is not None]

    assert len(rows) >= 10
    assert all(len(block.cells) >= 2 for block in rows)


@pytest.mark.corpus
def test_corpus_item_table_total() -> None:
    doc = _read_corpus(_corpus_file("zh_zhongzhixin_acceptance-form"))
    rows = [block for block in doc.blocks if block.cells is not None]

    assert any("50100" in block.cells for block in rows)
    header = next(block for block in rows if "数量" in block.cells)
    assert len(header.cells) >= 6


@pytest.mark.corpus
def test_corpus_merged_cells_filled() -> None:
    path = _corpus_file("zh_hust_equipment-acceptance-form")
    doc = _read_corpus(path)
    rows = [block for block in doc.blocks if block.cells is not None]

    grid_columns = len(list(_document_xml(path).iter(f"{{{W_NS}}}gridCol")))
    assert rows
    assert all(None not in block.cells for block in rows)
    # Every row has one cell per grid column, because spanned cells repeat their text.
    assert {len(block.cells) for block in rows} == {grid_columns}
    title_row = rows[0]
    assert title_row.cells[0]
    assert set(title_row.cells) == {title_row.cells[0]}


@pytest.mark.corpus
def test_corpus_largest_docx_timing() -> None:
    path = max(_corpus_docx_names(), key=lambda name: (CORPUS / name).stat().st_size, default=None)
    if path is None:
        pytest.skip("corpus folder is absent")
    data = (CORPUS / path).read_bytes()
    started = time.perf_counter()
    read_docx(data, filename=path)
    elapsed = time.perf_counter() - started

    # A generous bound so a shared 2-core machine does not fail it; the point is no blow-up.
    assert elapsed < 10.0


def test_clauses_keep_original_view() -> None:
    from ingest.segment import segment

    body = (
        "<w:p>" + run("第一条 合同价款") + "</w:p>"
        + "<w:p>" + run("总价款为")
        + '<w:del w:id="1" w:author="a"><w:r><w:delText>伍万元</w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="a">' + run("陆万元") + "</w:ins>" + run("整。") + "</w:p>"
        + '<w:p><w:pPr><w:rPr><w:del w:id="3" w:author="a"/></w:rPr></w:pPr>'
        + '<w:del w:id="4" w:author="a"><w:r><w:delText>第二条 本条已删除。</w:delText></w:r></w:del></w:p>'
        + "<w:p>" + run("第三条 其他事宜另行协商。") + "</w:p>"
        + '<w:p><w:ins w:id="5" w:author="a">' + run("第四条 本合同自签字之日起生效。") + "</w:ins></w:p>"
    )
    clauses = segment(_read(body))
    by_number = {c.number: c for c in clauses}

    assert by_number["第一条"].original_text == "第一条 合同价款\n" + normalize_text("总价款为伍万元整。")
    assert by_number["第三条"].original_text == normalize_text("第二条 本条已删除。") + "\n第三条 其他事宜另行协商。"
    # Inserted whole, the clause had no text before the change.
    assert by_number["第四条"].original_text == ""
    assert "第二条" not in by_number


def test_full_width_paragraph_keeps_raw_text() -> None:
    doc = _read("<w:p>" + run("第１条　总价款为ＲＭＢ１００元。") + "</w:p>" + "<w:p>" + run("甲方：示例公司") + "</w:p>")

    assert doc.blocks[0].text == normalize_text("第１条　总价款为ＲＭＢ１００元。")
    assert doc.blocks[0].raw_text == "第１条　总价款为ＲＭＢ１００元。"
    assert doc.blocks[1].raw_text is None
