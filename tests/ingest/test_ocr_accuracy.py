"""OCR character error rate on a few simulated scans of corpus pages, measured as bench/ocr_accuracy.py does."""

from __future__ import annotations

import pytest

from bench.ocr_accuracy import (
    CHINESE,
    DEFAULT_CORPUS,
    ENGLISH,
    FileScore,
    comparable_text,
    edit_distance,
    measure_file,
    pooled_cer,
)
from ingest.ocr import OcrOptions
from tests.conftest import corpus_file
from tests.ingest.test_ocr import require_tesseract

CHINESE_FILE = "zh_office-equipment-procurement-contract_original.pdf"
ENGLISH_FILE = "en_cuad_services-agreement_federated_base.pdf"
# The target for Chinese scans.
MAX_CHINESE_CER = 0.03
# Measured with Tesseract 5.3.0 at the default OCR settings (deskew on, scans rendered at their own
# resolution): English page 1 CER 0.001 (4 edits in 4,455 characters). The scan is seeded, so the value changes only with the code or
# the Tesseract build.
MAX_ENGLISH_CER = 0.03
# Measured the same way: Chinese pages 1 and 2 pooled CER 0.24 (212 edits in 901 characters). Most
# errors are in the item table of pages 1 and 2 and in lines that Tesseract reads as Latin letters.
CHINESE_MEASURED = "0.24"


def test_edit_distance_cases():
    assert edit_distance("", "") == 0
    assert edit_distance("甲方", "") == 2
    assert edit_distance("", "乙方") == 2
    assert edit_distance("甲方乙方", "甲方乙方") == 0
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("合同总价款", "合同价款元") == 2


def test_edit_distance_long_strings():
    reference = "甲方应于签约后支付价款" * 100
    hypothesis = reference.replace("支付", "文付")

    assert edit_distance(reference, hypothesis) == 100
    assert edit_distance(reference, reference[:-5]) == 5


def test_comparison_folds_punctuation():
    assert comparable_text("第一条　合同标的（一）：价款 1,000 元。", CHINESE) == "第一条合同标的一价款1000元"
    assert comparable_text("（１）ＡＢ，", CHINESE) == "1AB"
    assert comparable_text("Payment  within\n30 days.", ENGLISH) == "Paymentwithin30days."
    assert comparable_text("（a）", ENGLISH) == "(a)"


@pytest.fixture(scope="module")
def scores() -> list[FileScore]:
    """Two Chinese pages and one English page, scanned and read once: about 20 s on two cores."""
    require_tesseract()
    if not DEFAULT_CORPUS.is_dir():
        pytest.skip(f"corpus folder {DEFAULT_CORPUS} not found")
    options = OcrOptions()
    return [
        measure_file(corpus_file(CHINESE_FILE), CHINESE, 2, options),
        measure_file(corpus_file(ENGLISH_FILE), ENGLISH, 1, options),
    ]


@pytest.mark.corpus
def test_sampled_pages_scored(scores: list[FileScore]):
    chinese, english = scores

    assert [page.page for page in chinese.pages] == [1, 2], chinese.notes
    assert [page.page for page in english.pages] == [1], english.notes
    assert chinese.notes == []
    assert english.notes == []


@pytest.mark.corpus
@pytest.mark.xfail(
    strict=True,
    reason=f"Chinese CER is {CHINESE_MEASURED} on these noisy 200 dpi scans at the default OCR settings, "
    f"above the {MAX_CHINESE_CER} target",
)
def test_chinese_cer_within_target(scores: list[FileScore]):
    cer, distance, reference = pooled_cer(scores, CHINESE)

    assert cer is not None
    assert cer <= MAX_CHINESE_CER, f"Chinese CER {cer:.4f} ({distance} edits in {reference} characters)"


@pytest.mark.corpus
def test_english_cer_within_floor(scores: list[FileScore]):
    cer, distance, reference = pooled_cer(scores, ENGLISH)

    assert cer is not None
    assert cer <= MAX_ENGLISH_CER, f"English CER {cer:.4f} ({distance} edits in {reference} characters)"
