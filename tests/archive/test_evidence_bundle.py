"""The printable bundle: corpus PDFs merged with continuous page numbers stamped in each page's visible corners."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import ImageChops
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from archive.errors import EvidenceFileError
from archive.evidence.bundle import build_bundle, parse_page_selection
from archive.evidence.items import EvidenceItem, PageRange
from archive.i18n import get_translations
from tests.conftest import corpus_file

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZH = get_translations("zh_CN")
EN = get_translations("en")


def item(group: int, number: int, file_name: str, *, pages: str | None = None, media_type: str = PDF) -> EvidenceItem:
    return EvidenceItem(group=group, number=number, name=f"证据材料 {group}-{number}", origin="copy",
                        issuer="甲公司", purpose="证明合同关系", file_name=file_name, media_type=media_type,
                        pages=pages)


def bundle(pairs: list[tuple[EvidenceItem, object]], translations=ZH) -> tuple[bytes, dict[str, PageRange]]:  # type: ignore[no-untyped-def]
    output = io.BytesIO()
    ranges = build_bundle(pairs, output, translations=translations)
    return output.getvalue(), ranges


def page_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def test_bundle_pages_and_ranges_continuous() -> None:
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    distributor = corpus_file("en_cuad_distributor-agreement_limeenergy.pdf")
    chinese = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    pairs = [
        (item(1, 1, base.name), base),
        (item(1, 2, amendment.name), amendment.read_bytes()),
        (item(2, 1, "付款明细.xlsx", media_type=XLSX), None),
        (item(2, 2, distributor.name), str(distributor)),
        (item(3, 1, chinese.name), chinese),
    ]
    data, ranges = bundle(pairs)

    counts = [page_count(base), page_count(amendment), page_count(distributor), page_count(chinese)]
    assert len(PdfReader(io.BytesIO(data)).pages) == sum(counts)
    assert "2-1" not in ranges
    assert list(ranges) == ["1-1", "1-2", "2-2", "3-1"]
    expected_first = 1
    for label, count in zip(ranges, counts, strict=True):
        assert ranges[label] == PageRange(expected_first, expected_first + count - 1)
        expected_first += count


def test_every_page_carries_number_and_label() -> None:
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    chinese = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    data, ranges = bundle([(item(1, 1, base.name), base), (item(1, 2, chinese.name), chinese)])

    texts = page_texts(data)
    labels = {number: label for label, pages in ranges.items() for number in range(pages.first, pages.last + 1)}
    assert len(texts) == len(labels)
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页" in text, f"page {number} lacks its number"
        assert f"证据 {labels[number]}" in text, f"page {number} lacks its label"
    # The evidence's own text is still there beside the stamp.
    assert "采购合同" in texts[ranges["1-2"].first - 1]


def test_english_stamps() -> None:
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    data, _ = bundle([(item(4, 7, amendment.name), amendment)], translations=EN)
    text = page_texts(data)[0]
    assert "Page 1" in text
    assert "Evidence 4-7" in text


def test_page_selection_taken_from_item() -> None:
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    original = page_texts(base.read_bytes())
    data, ranges = bundle([(item(1, 1, base.name, pages="2-3"), base)])

    texts = page_texts(data)
    assert ranges == {"1-1": PageRange(1, 2)}
    assert len(texts) == 2
    first_line = original[1].strip().splitlines()[0]
    assert first_line in texts[0]


def test_stamp_font_stored_once() -> None:
    distributor = corpus_file("en_cuad_distributor-agreement_limeenergy.pdf")
    data, _ = bundle([(item(1, 1, distributor.name), distributor)])

    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        stamp = page["/Resources"]["/XObject"]["/EvidenceStamp"].get_object()
        for reference in stamp["/Resources"]["/Font"].values():
            fonts.add(reference.idnum)
    assert len(fonts) == 1


def rotated_and_shifted_pdf(source: Path) -> bytes:
    """Return four pages of `source`: rotated 90, 180 and 270 degrees, and one with boxes away from (0, 0)."""
    reader = PdfReader(source)
    writer = PdfWriter()
    for rotation in (90, 180, 270):
        page = writer.add_page(reader.pages[0])
        page.rotate(rotation)
    shifted = writer.add_page(reader.pages[0])
    media = [float(value) for value in shifted.mediabox]
    shifted.mediabox = RectangleObject([media[0] - 150, media[1] - 80, media[2] + 40, media[3] + 30])
    shifted.cropbox = RectangleObject([media[0] + 60, media[1] + 90, media[2] - 70, media[3] - 50])
    writer.add_page(reader.pages[0]).rotate(90)
    last = writer.pages[-1]
    last.mediabox = RectangleObject([media[0] - 150, media[1] - 80, media[2] + 40, media[3] + 30])
    last.cropbox = RectangleObject([media[0] + 60, media[1] + 90, media[2] - 70, media[3] - 50])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize("index", range(5), ids=["rotate-90", "rotate-180", "rotate-270", "shifted-boxes",
                                                  "shifted-and-rotated"])
def test_stamp_in_visible_corners(index: int) -> None:
    source = rotated_and_shifted_pdf(corpus_file("en_cuad_services-agreement_federated_base.pdf"))
    data, _ = bundle([(item(1, 1, "rotated.pdf"), source)])

    before = pdfium.PdfDocument(source)[index].render(scale=1).to_pil().convert("L")
    after = pdfium.PdfDocument(data)[index].render(scale=1).to_pil().convert("L")
    assert before.size == after.size
    width, height = after.size
    changed = ImageChops.difference(before, after).point(lambda value: 255 if value > 60 else 0)
    top_band = changed.crop((0, 0, width, height // 8)).getbbox()
    bottom_band = changed.crop((0, height - height // 8, width, height)).getbbox()
    middle = changed.crop((0, height // 8, width, height - height // 8)).getbbox()

    assert top_band is not None, "no label stamp at the top of the visible page"
    assert bottom_band is not None, "no page number at the bottom of the visible page"
    assert middle is None, "the stamp is drawn away from the page's corners"
    assert top_band[0] > width * 0.6, "the label is not at the right"
    assert bottom_band[0] > width * 0.6, "the page number is not at the right"
    text = pdfium.PdfDocument(data)[index].get_textpage().get_text_range()
    assert f"第 {index + 1} 页" in text


def test_owner_password_pdf_bundled() -> None:
    restricted = corpus_file("en_oha-sample-contract_owner-password-restricted_watermark.pdf")
    data, ranges = bundle([(item(1, 1, restricted.name), restricted)])
    assert ranges == {"1-1": PageRange(1, 13)}
    assert "第 13 页" in page_texts(data)[12]


def test_open_password_pdf_rejected() -> None:
    encrypted = corpus_file("en_oha-sample-contract_user-password-encrypted_pw-test123_watermark.pdf")
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    pairs = [(item(1, 1, base.name), base), (item(2, 3, encrypted.name), encrypted)]

    with pytest.raises(EvidenceFileError) as raised:
        bundle(pairs)
    message = str(raised.value)
    assert "2-3" in message
    assert encrypted.name in message
    assert "open password" in message
    chinese = raised.value.localized(ZH.gettext)
    assert encrypted.name in chinese
    assert "打开密码" in chinese


def test_damaged_pdf_rejected() -> None:
    damaged = corpus_file("zh_office-equipment-procurement-contract_original.pdf").read_bytes()[:2000]
    with pytest.raises(EvidenceFileError) as raised:
        bundle([(item(1, 1, "合同.pdf"), damaged)])
    assert "合同.pdf" in str(raised.value)
    assert "damaged" in str(raised.value)


def test_not_a_pdf_rejected() -> None:
    with pytest.raises(EvidenceFileError) as raised:
        bundle([(item(1, 1, "scan.pdf"), b"PK\x03\x04 this is a ZIP file")])
    assert "scan.pdf" in str(raised.value)


def test_pages_beyond_file_rejected() -> None:
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    with pytest.raises(EvidenceFileError) as raised:
        bundle([(item(1, 1, amendment.name, pages="1-3"), amendment)])
    assert "'1-3'" in str(raised.value)
    assert "1 pages" in str(raised.value)
    assert "超出文件的 1 页" in raised.value.localized(ZH.gettext)


def test_duplicate_labels_rejected() -> None:
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    with pytest.raises(ValueError, match="1-1"):
        bundle([(item(1, 1, amendment.name), amendment), (item(1, 2, amendment.name), amendment),
                (item(1, 1, amendment.name), amendment)])


def test_consecutive_parts_of_one_item_share_a_range() -> None:
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")

    data, ranges = bundle([(item(1, 1, amendment.name), amendment), (item(1, 2, amendment.name), amendment),
                           (item(1, 2, base.name), base)])

    assert ranges == {"1-1": PageRange(1, 1), "1-2": PageRange(2, 6)}
    texts = page_texts(data)
    assert "证据 1-1" in texts[0]
    assert all("证据 1-2" in text for text in texts[1:6])


@pytest.mark.parametrize(("text", "expected"), [
    (None, [1, 2, 3, 4, 5]),
    ("  ", [1, 2, 3, 4, 5]),
    ("2", [2]),
    ("1-3", [1, 2, 3]),
    ("1,4-5", [1, 4, 5]),
    ("1、3；5", [1, 3, 5]),
    ("2～3", [2, 3]),
    ("2至4", [2, 3, 4]),
])
def test_page_selection_parsed(text: str | None, expected: list[int]) -> None:
    assert parse_page_selection(text, 5) == expected


@pytest.mark.parametrize("text", ["0", "3-2", "a-b", "1-", "6", "4-6"])
def test_page_selection_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_page_selection(text, 5)


def test_no_pdf_items_give_empty_bundle() -> None:
    data, ranges = bundle([(item(1, 1, "付款明细.xlsx", media_type=XLSX), None)])
    assert ranges == {}
    assert len(PdfReader(io.BytesIO(data)).pages) == 0


def test_same_page_selected_twice_stamped_twice() -> None:
    amendment = corpus_file("en_cuad_services-agreement_federated_amendment1.pdf")
    data, ranges = bundle([(item(1, 1, amendment.name), amendment), (item(1, 2, amendment.name), amendment)])
    texts = page_texts(data)
    assert ranges == {"1-1": PageRange(1, 1), "1-2": PageRange(2, 2)}
    assert "第 1 页" in texts[0]
    assert "第 2 页" not in texts[0]
    assert "第 2 页" in texts[1]
    assert "证据 1-2" in texts[1]


def test_content_streams_kept_byte_for_byte() -> None:
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    chinese = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    data, _ = bundle([(item(1, 1, base.name), base), (item(1, 2, chinese.name), chinese.read_bytes())])

    original_pages = [*PdfReader(base).pages, *PdfReader(chinese).pages]
    bundled_pages = PdfReader(io.BytesIO(data)).pages
    assert len(bundled_pages) == len(original_pages)
    for number, (original, bundled) in enumerate(zip(original_pages, bundled_pages, strict=True), start=1):
        original_streams = raw_content_streams(original)
        # The bundle wraps the page's streams in one opening and one closing stream of the stamp.
        bundled_streams = raw_content_streams(bundled)[1:-1]
        assert bundled_streams == original_streams, f"page {number} content streams changed"


def raw_content_streams(page) -> list[bytes]:  # type: ignore[no-untyped-def]
    contents = page["/Contents"].get_object()
    parts = list(contents) if isinstance(contents, list) else [page["/Contents"]]
    return [part.get_object()._data for part in parts]


BUILD_IN_CHILD = """
import hashlib, io, sys
from pathlib import Path
from archive.evidence.bundle import build_bundle
from archive.evidence.items import EvidenceItem
from archive.i18n import get_translations

items = [
    (EvidenceItem(group=1, number=number, name="证据材料", origin="copy", issuer="甲公司", purpose="证明合同关系",
                  file_name=Path(path).name, media_type="application/pdf"), path)
    for number, path in enumerate(sys.argv[1:], start=1)
]
output = io.BytesIO()
build_bundle(items, output, translations=get_translations("zh_CN"))
print(hashlib.sha256(output.getvalue()).hexdigest())
"""


def test_bundle_bytes_identical_across_processes() -> None:
    base = corpus_file("en_cuad_services-agreement_federated_base.pdf")
    chinese = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    root = Path(__file__).resolve().parents[2]
    digests = []
    for seed in ("1", "2"):
        # Different hash seeds, so that nothing may depend on the order of a set or dict of strings.
        environment = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        result = subprocess.run([sys.executable, "-c", BUILD_IN_CHILD, str(base), str(chinese)], cwd=root,
                                env=environment, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        digests.append(result.stdout.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


def test_path_and_bytes_sources_equal(tmp_path: Path) -> None:
    chinese = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    copy = tmp_path / "合同 扫描件.pdf"
    copy.write_bytes(chinese.read_bytes())

    from_path, path_ranges = bundle([(item(1, 1, copy.name), copy)])
    from_text_path, _ = bundle([(item(1, 1, copy.name), str(copy))])
    from_bytes, bytes_ranges = bundle([(item(1, 1, copy.name), chinese.read_bytes())])

    assert path_ranges == bytes_ranges
    assert from_path == from_bytes
    assert from_text_path == from_bytes


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(EvidenceFileError) as raised:
        bundle([(item(1, 1, "合同.pdf"), tmp_path / "missing.pdf")])
    assert "合同.pdf" in str(raised.value)
    assert "damaged" in str(raised.value)
