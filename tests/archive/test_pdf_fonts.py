"""Choosing the PDF font: the configured file first, then Debian's WenQuanYi fonts, with clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from archive import pdf_fonts
from archive.errors import PdfFontMissingError, PdfFontUnusableError
from archive.i18n import get_translations
from archive.settings import Settings

MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# OpenType with PostScript (CFF) outlines, from Debian's fonts-noto-cjk.
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# TrueType without Chinese glyphs, from Debian's fonts-dejavu-core.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def require(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    return path


def test_installed_microhei_found() -> None:
    require(MICROHEI)
    assert pdf_fonts.find_cjk_font() == pdf_fonts.FontFile(MICROHEI, 0)


def test_configured_font_comes_first(tmp_path: Path) -> None:
    configured = tmp_path / "公司字体.ttc"
    configured.write_bytes(require(MICROHEI).read_bytes())
    assert pdf_fonts.find_cjk_font(configured) == pdf_fonts.FontFile(configured, 0)


def test_setting_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACT_ARCHIVE_PDF_FONT", str(MICROHEI))
    assert Settings(_env_file=None).pdf_font == MICROHEI
    monkeypatch.delenv("CONTRACT_ARCHIVE_PDF_FONT")
    assert Settings(_env_file=None).pdf_font is None


def test_register_once_returns_same_name() -> None:
    require(MICROHEI)
    first = pdf_fonts.register_cjk_font()
    second = pdf_fonts.register_cjk_font(MICROHEI)
    assert first == second
    font = pdfmetrics.getFont(first)
    assert font.stringWidth("合同", 10) > 0
    assert ord("合") in font.face.charToGlyph


def test_no_known_font_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_fonts, "KNOWN_FONTS", (tmp_path / "missing-a.ttc", tmp_path / "missing-b.ttc"))
    with pytest.raises(PdfFontMissingError) as raised:
        pdf_fonts.register_cjk_font()
    message = str(raised.value)
    assert str(tmp_path / "missing-a.ttc") in message
    assert "fonts-wqy-microhei" in message
    assert "CONTRACT_ARCHIVE_PDF_FONT" in message
    assert raised.value.status == 503


def test_configured_file_missing(tmp_path: Path) -> None:
    with pytest.raises(PdfFontUnusableError) as raised:
        pdf_fonts.register_cjk_font(tmp_path / "no-such-font.ttf")
    assert str(tmp_path / "no-such-font.ttf") in str(raised.value)
    assert "does not exist" in str(raised.value)


def test_postscript_outlines_rejected() -> None:
    with pytest.raises(PdfFontUnusableError) as raised:
        pdf_fonts.register_cjk_font(require(NOTO_CJK))
    assert "PostScript (CFF) outlines" in str(raised.value)


def test_font_without_chinese_rejected() -> None:
    with pytest.raises(PdfFontUnusableError) as raised:
        pdf_fonts.register_cjk_font(require(DEJAVU))
    assert "no Chinese characters" in str(raised.value)


def test_file_that_is_no_font_rejected(tmp_path: Path) -> None:
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_text("这不是字体文件", encoding="utf-8")
    with pytest.raises(PdfFontUnusableError) as raised:
        pdf_fonts.register_cjk_font(not_a_font)
    assert "not a TrueType font file" in str(raised.value)


def test_errors_read_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gettext = get_translations("zh_CN").gettext
    with pytest.raises(PdfFontUnusableError) as unusable:
        pdf_fonts.register_cjk_font(tmp_path / "no-such-font.ttf")
    assert "文件不存在" in unusable.value.localized(gettext)
    assert "CONTRACT_ARCHIVE_PDF_FONT" in unusable.value.localized(gettext)

    monkeypatch.setattr(pdf_fonts, "KNOWN_FONTS", (tmp_path / "missing.ttc",))
    with pytest.raises(PdfFontMissingError) as missing:
        pdf_fonts.register_cjk_font()
    assert "未找到" in missing.value.localized(gettext)
    assert "fonts-wqy-microhei" in missing.value.localized(gettext)


@pytest.mark.parametrize("closing", ["》", "，", "：", "”"])
def test_chinese_closing_punctuation_never_starts_a_line(closing: str) -> None:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    font = pdf_fonts.register_cjk_font(None)
    style = ParagraphStyle("cell", fontName=font, fontSize=10, leading=12, wordWrap="CJK")
    text = f"《电脑及办公设备采购合同{closing}"
    # Just too narrow for the closing mark: without the rule it would wrap alone onto line two.
    paragraph = Paragraph(text, style)
    paragraph.wrap(stringWidth(text[:-1], font, 10) + 0.5, 1000)

    lines = ["".join(words) for _, words in paragraph.blPara.lines]
    assert all(not line.startswith(closing) for line in lines), lines
    assert "".join(lines) == text
