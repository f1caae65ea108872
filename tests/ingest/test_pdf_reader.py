"""Tests for read_pdf on synthetic failure cases and on the real corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.errors import CorruptFileError, EncryptedFileError
from ingest.readers.pdf import NO_TEXT_LAYER, read_pdf
from tests.ingest import pdf_samples

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CJK = "\u3400-\u9fff"
SPACE_BETWEEN_CJK = re.compile(f"[{CJK}][ \u00a0\u3000]+[{CJK}]")
# The one space kept between CJK characters: after a clause label that starts the line.
LEADING_LABEL = re.compile(r"^第[0-9〇零一二三四五六七八九十百千两]+[条章节篇] ")
# Characters a readable Chinese or English contract line may contain.
READABLE = re.compile(f"^[\\x20-\\x7e\u00a0-\u017f\u2010-\u205e\u2100-\u27bf\u3000-\u303f{CJK}\uff01-\uffee]*$")


def corpus_file(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is not available")
    return path.read_bytes()


def lines_of(data: bytes) -> list[str]:
    return [block.text for block in read_pdf(data, filename="sample.pdf").blocks]


# --- synthetic failure cases --------------------------------------------------------------


def test_cid_font_without_mapping_needs_ocr():
    document = read_pdf(pdf_samples.cid_without_to_unicode(), filename="c01.pdf")
    assert document.pages[0].needs_ocr
    assert "(cid:N) markers" in document.pages[0].ocr_reason
    assert document.blocks == ()


@pytest.mark.parametrize(
    ("first", "span"),
    [(0x0250, 0x60), (0x0B80, 0x80), (0x9F00, 0xA6)],
    ids=["ipa", "tamil", "rare-ideographs"],
)
def test_wrong_to_unicode_needs_ocr(first: int, span: int):
    document = read_pdf(pdf_samples.cid_mapped_to(first, span), filename="c02.pdf")
    assert document.pages[0].needs_ocr
    assert document.pages[0].ocr_reason.startswith("garbage text layer")
    assert document.blocks == ()


def test_wrong_common_hanzi_needs_ocr():
    document = read_pdf(pdf_samples.cid_mapped_to_other_common_hanzi(), filename="c02-subset.pdf")

    assert document.pages[0].needs_ocr
    assert "Chinese characters in words" in document.pages[0].ocr_reason
    assert document.blocks == ()


def test_rare_hanzi_beside_figures_needs_ocr():
    document = read_pdf(pdf_samples.rare_ideographs_beside_figures(), filename="c02-mixed.pdf")

    assert document.pages[0].needs_ocr
    assert "letters" in document.pages[0].ocr_reason


def test_correct_to_unicode_passes():
    document = read_pdf(pdf_samples.cid_mapped_correctly(), filename="c02-control.pdf")
    assert not document.pages[0].needs_ocr
    assert document.blocks[0].text == "第一条 合同标的"


def test_radicals_become_ideographs():
    lines = lines_of(pdf_samples.kangxi_radical_clause())
    assert lines[0] == "第一条 合同标的"
    assert lines[1] == "青岛市"


def test_fake_bold_deduplicated():
    lines = lines_of(pdf_samples.fake_bold_heading())
    assert lines[0] == "第一条 甲方义务"
    assert lines[3] == "Bold"


def test_legit_repeats_kept():
    lines = lines_of(pdf_samples.fake_bold_heading())
    assert lines[1] == "双方一一对应"
    assert lines[2] == "AA battery"


def test_gbk_bytes_font_name_reads():
    document = read_pdf(pdf_samples.fake_bold_heading(), filename="c04.pdf")
    assert len(document.blocks) == 4


def test_sideways_text_not_reversed():
    document = read_pdf(pdf_samples.sideways_text(), filename="c06.pdf")
    texts = [block.text for block in document.blocks]
    assert texts == ["Upright body text", "Section 2.3 Payment terms apply"]
    assert any("sideways" in warning for warning in document.warnings)


def test_rotated_page_reads_upright():
    document = read_pdf(pdf_samples.rotated_landscape_page(), filename="c06a.pdf")
    assert (document.pages[0].width, document.pages[0].height) == (842.0, 595.0)
    assert document.blocks[0].text == "Annex 1 Price schedule"
    assert document.warnings == ()


def test_positioned_words_keep_spaces():
    assert lines_of(pdf_samples.positioned_words()) == ["Section 2.3 This Agreement shall"]


@pytest.mark.parametrize("gap", [70, 110, 140])
def test_tightly_set_words_keep_spaces(gap: int):
    lines = lines_of(pdf_samples.tightly_set_words(gap))

    assert lines[0] == "Section 2.3 This Agreement shall remain in force"
    assert lines[1] == "notwithstanding indemnification"


def test_spaced_out_cjk_joined():
    assert lines_of(pdf_samples.spaced_out_ocr_layer()) == ["第一条甲方：人民币壹拾万元整"]


def test_date_in_other_size_stays_inline():
    document = read_pdf(pdf_samples.date_in_other_size(), filename="date.pdf")
    assert document.blocks[0].text == "本合同签订于2024年3月5日"
    assert document.blocks[1].text == "下一行文字"
    assert document.blocks[0].font_size == 12.0


def test_diagonal_watermark_left_out():
    document = read_pdf(pdf_samples.diagonal_watermark(), filename="watermark.pdf")
    assert [block.text for block in document.blocks] == ["First body line", "Second body line"]
    assert any(warning.startswith("6 characters of diagonal text") for warning in document.warnings)


def test_blank_page_needs_ocr():
    document = read_pdf(pdf_samples.blank_page_then_text(), filename="blank.pdf")
    assert document.pages[0].needs_ocr
    assert document.pages[0].ocr_reason == NO_TEXT_LAYER
    assert not document.pages[1].needs_ocr
    assert [block.page for block in document.blocks] == [2]


def test_block_box_top_left_origin():
    block = read_pdf(pdf_samples.positioned_words(), filename="box.pdf").blocks[0]
    # Helvetica 12 pt drawn on baseline y=760 of an 842 pt page: the box sits near top 70.
    assert block.bbox.x0 == pytest.approx(72.0)
    assert 68 < block.bbox.top < 74
    assert 84 < block.bbox.bottom < 87


def test_truncated_file_corrupt():
    data = pdf_samples.cid_mapped_correctly()
    with pytest.raises(CorruptFileError) as raised:
        read_pdf(data[: len(data) // 3], filename="broken.pdf")
    assert "broken.pdf" in str(raised.value)


def test_not_a_pdf_corrupt():
    with pytest.raises(CorruptFileError):
        read_pdf(b"hello, this is text", filename="note.pdf")


# --- real corpus files ---------------------------------------------------------------------


@pytest.mark.corpus
def test_chinese_model_contract_clauses():
    document = read_pdf(
        corpus_file("zh_beijing_training-service-model_bf-2021-2730.pdf"), filename="model.pdf"
    )
    texts = [block.text for block in document.blocks]
    assert any(text.startswith("第一条") for text in texts)
    assert not [text for text in texts if SPACE_BETWEEN_CJK.search(LEADING_LABEL.sub("", text))]
    assert document.needs_ocr_pages == []


@pytest.mark.corpus
def test_garbled_cid_file_needs_ocr():
    document = read_pdf(
        corpus_file("zh_tender-excerpt_cid-font-no-tounicode_garbled.pdf"), filename="tender.pdf"
    )
    assert document.needs_ocr_pages == [1, 2, 3, 4]
    assert document.blocks == ()
    assert all("(cid:N) markers" in page.ocr_reason for page in document.pages)


@pytest.mark.corpus
def test_user_password_file_encrypted():
    data = corpus_file("en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf")
    with pytest.raises(EncryptedFileError) as raised:
        read_pdf(data, filename="locked.pdf")
    assert "locked.pdf" in str(raised.value)


@pytest.mark.corpus
def test_user_password_file_opens_with_password():
    data = corpus_file("en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf")
    document = read_pdf(data, filename="locked.pdf", password="test123")
    assert len(document.pages) == 13
    assert any("Sample Contract" in block.text for block in document.blocks)


@pytest.mark.corpus
def test_owner_password_file_reads():
    data = corpus_file("en_oha-sample-contract_owner-password-restricted_watermark.pdf")
    document = read_pdf(data, filename="restricted.pdf")
    assert len(document.pages) == 13
    assert document.needs_ocr_pages == []
    # The pages carry /Rotate 270, and the lines must still read left to right.
    assert any("Sample Contract" in block.text for block in document.blocks)


@pytest.mark.corpus
def test_nbsp_monospace_file_no_nbsp():
    data = corpus_file("en_cuad_reseller-agreement_nbsp-monospace_loyaltypoint.pdf")
    texts = [block.text for block in read_pdf(data, filename="reseller.pdf").blocks]
    assert len(texts) > 500
    assert not [text for text in texts if "\u00a0" in text]
    assert not [text for text in texts if "  " in text]


@pytest.mark.corpus
def test_text_layer_files_not_flagged():
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip("corpus manifest is not available (../shared/corpus missing)")
    manifest = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = manifest[0].split("\t")
    checked = 0
    for row in manifest[1:]:
        fields = dict(zip(header, row.split("\t")))
        if fields["format"] != "pdf" or fields["text_layer"] not in ("yes", "partial"):
            continue
        password = "test123" if "user-password" in fields["file"] else None
        document = read_pdf(corpus_file(fields["file"]), filename=fields["file"], password=password)
        assert document.needs_ocr_pages == [], fields["file"]
        unreadable = [block.text for block in document.blocks if not READABLE.match(block.text)]
        assert len(unreadable) <= len(document.blocks) // 50, fields["file"]
        checked += 1
    assert checked >= 15


def test_radical_clause_keeps_raw_text():
    from ingest.segment import segment

    document = read_pdf(pdf_samples.kangxi_radical_clause(), filename="c03.pdf")
    [clause] = [c for c in segment(document) if c.number]

    assert document.blocks[0].raw_text == "第\u2f00条 合同标的"
    assert clause.text == "第一条 合同标的\n青岛市"
    assert clause.raw_text == "第\u2f00条 合同标的\n\u2ed8岛市"


def test_plain_line_stores_no_raw_copy():
    document = read_pdf(pdf_samples.cid_mapped_correctly(), filename="plain.pdf")

    assert document.blocks[0].raw_text is None


# --- text recovered from the fonts' own maps ---------------------------------------------


@pytest.fixture
def truetype_font() -> Path:
    if not pdf_samples.DEJAVU_SANS.is_file():
        pytest.skip(f"no TrueType font to embed: {pdf_samples.DEJAVU_SANS} (fonts-dejavu-core) is missing")
    return pdf_samples.DEJAVU_SANS


@pytest.mark.parametrize("cid_to_gid_stream", [False, True], ids=["identity", "cid-to-gid-stream"])
def test_embedded_cmap_recovers_text(truetype_font: Path, cid_to_gid_stream: bool):
    from ingest.segment import segment

    data = pdf_samples.embedded_font_space_only_to_unicode(truetype_font, cid_to_gid_stream=cid_to_gid_stream)
    document = read_pdf(data, filename="c01a.pdf")

    assert document.needs_ocr_pages == []
    assert [block.text for block in document.blocks] == list(pdf_samples.EMBEDDED_FONT_LINES)
    assert [clause.number for clause in segment(document) if clause.number] == ["Article 1", "Article 2"]
    assert any("recovered from the fonts' own character maps" in warning for warning in document.warnings)


def test_recovered_block_top_left_origin(truetype_font: Path):
    block = read_pdf(pdf_samples.embedded_font_space_only_to_unicode(truetype_font), filename="box.pdf").blocks[0]

    # 12 pt drawn on baseline y=760 of an 842 pt page, as read_glyphs places pdfium's boxes.
    assert block.bbox.x0 == pytest.approx(72.0)
    assert 68 < block.bbox.top < 74
    assert 84 < block.bbox.bottom < 87


def test_cid_style_to_unicode_recovers_cjk():
    from ingest.segment import segment

    document = read_pdf(pdf_samples.cid_style_to_unicode(), filename="c01b.pdf")

    assert document.needs_ocr_pages == []
    assert [block.text for block in document.blocks] == list(pdf_samples.CID_STYLE_LINES)
    assert [clause.number for clause in segment(document) if clause.number] == ["第一条", "第二条"]


def test_wrong_map_page_stays_for_ocr(truetype_font: Path):
    document = read_pdf(pdf_samples.embedded_font_page_then_wrong_map_page(truetype_font), filename="mixed.pdf")

    assert document.needs_ocr_pages == [2]
    assert document.pages[1].ocr_reason.startswith("garbage text layer")
    assert {block.page for block in document.blocks} == {1}
    assert any(warning.startswith("The text of pages 1 was recovered") for warning in document.warnings)


@pytest.mark.corpus
def test_cjk_fonts_without_cmap_stay_for_ocr():
    from tests.conftest import corpus_file as corpus_path

    data = corpus_path("zh_tender-excerpt_cid-font-no-tounicode_garbled.pdf").read_bytes()
    document = read_pdf(data, filename="tender.pdf")

    # Its CJK fonts embed TrueType programs with no cmap table, so nothing maps their glyphs.
    assert document.needs_ocr_pages == [1, 2, 3, 4]
    assert all("the fonts' own maps leave" in page.ocr_reason for page in document.pages)
    assert not [block.text for block in document.blocks if "(cid:" in block.text]
    assert "(cid:" not in " ".join(document.page_furniture)


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("en_oha-sample-contract_owner-password-restricted_watermark.pdf", None),
        ("en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf", "test123"),
    ],
)
def test_watermarked_oha_contract_text_without_watermark(name: str, password: str | None):
    document = read_pdf(corpus_file(name), filename=name, password=password)
    text = "\n".join(block.text for block in document.blocks)

    # The diagonal SAMPLE watermark sits across every page; the body text stays.
    assert "SAMPLE" not in text
    assert "Office of Hawaiian Affairs" in text
    assert not any(page.needs_ocr for page in document.pages)
    assert len(document.pages) == len({block.page for block in document.blocks})
