from archive import notices
from archive.i18n import get_translations


def test_stored_warning_renders_in_chinese() -> None:
    stored = notices.PDF_NEEDS_OCR.format(count=4, pages="1, 2, 3, 4")
    shown = notices.localize_notice(stored, get_translations("zh_CN").gettext)
    assert shown == "4 页没有可用的文字层，需要 OCR：第 1, 2, 3, 4 页"


def test_file_type_warning_keeps_values() -> None:
    stored = notices.FILE_TYPE_MISMATCH.format(file="合同.pdf", format="DOCX", suffix=".pdf")
    shown = notices.localize_notice(stored, get_translations("zh_CN").gettext)
    assert "合同.pdf" in shown
    assert "DOCX" in shown


def test_unknown_warning_left_as_is() -> None:
    assert notices.localize_notice("something new", get_translations("zh_CN").gettext) == "something new"


def test_english_keeps_stored_text() -> None:
    stored = notices.DOCX_NOTES.format(count=3)
    assert notices.localize_notice(stored, get_translations("en").gettext) == stored
