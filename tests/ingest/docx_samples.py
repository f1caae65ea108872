"""Builders of small synthetic DOCX files for the DOCX reader tests.

Each builder writes the minimum OOXML package by hand (content types, package
and document relationships, document.xml, optional styles.xml and
numbering.xml), so a test controls exactly which markup the reader meets.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NAMESPACES = (
    f'xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml"

# Root element, relationship type and content type of each story part kind.
_STORY_KINDS = {
    "header": ("w:hdr", "header", "header+xml"),
    "footer": ("w:ftr", "footer", "footer+xml"),
    "footnotes": ("w:footnotes", "footnotes", "footnotes+xml"),
    "endnotes": ("w:endnotes", "endnotes", "endnotes+xml"),
    "comments": ("w:comments", "comments", "comments+xml"),
}


@dataclass(frozen=True)
class StoryPart:
    """A header, footer, notes or comments part: `kind` from _STORY_KINDS, `inner` its XML."""

    kind: str
    inner: str
    rel_id: str
    name: str


def story(kind: str, inner: str, number: int = 1) -> StoryPart:
    """Return a part named as Word names them (header1.xml, footnotes.xml)."""
    name = f"{kind}{number}.xml" if kind in ("header", "footer") else f"{kind}.xml"
    return StoryPart(kind, inner, f"rId{kind}{number}", name)


def build_docx(
    body: str,
    *,
    numbering: str | None = None,
    styles: str | None = None,
    stories: tuple[StoryPart, ...] = (),
) -> bytes:
    """Return a DOCX whose w:body contains `body`; `numbering` and `styles` are inner XML."""
    overrides = [f'<Override PartName="/word/document.xml" ContentType="{_MAIN_TYPE}.document.main+xml"/>']
    relationships = []
    parts = {
        "word/document.xml": f'<w:document {_NAMESPACES}><w:body>{body}</w:body></w:document>',
    }
    if styles is not None:
        parts["word/styles.xml"] = f"<w:styles {_NAMESPACES}>{styles}</w:styles>"
        overrides.append(f'<Override PartName="/word/styles.xml" ContentType="{_MAIN_TYPE}.styles+xml"/>')
        relationships.append(f'<Relationship Id="rId1" Type="{_OFFICE_REL}/styles" Target="styles.xml"/>')
    if numbering is not None:
        parts["word/numbering.xml"] = f"<w:numbering {_NAMESPACES}>{numbering}</w:numbering>"
        overrides.append(
            f'<Override PartName="/word/numbering.xml" ContentType="{_MAIN_TYPE}.numbering+xml"/>'
        )
        relationships.append(
            f'<Relationship Id="rId2" Type="{_OFFICE_REL}/numbering" Target="numbering.xml"/>'
        )
    for part in stories:
        root, relationship, content_type = _STORY_KINDS[part.kind]
        parts[f"word/{part.name}"] = f"<{root} {_NAMESPACES}>{part.inner}</{root}>"
        overrides.append(f'<Override PartName="/word/{part.name}" ContentType="{_MAIN_TYPE}.{content_type}"/>')
        relationships.append(
            f'<Relationship Id="{part.rel_id}" Type="{_OFFICE_REL}/{relationship}" Target="{part.name}"/>'
        )

    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{''.join(overrides)}</Types>"
    )
    package_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_OFFICE_REL}/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    document_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(relationships)}</Relationships>"
    )

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("word/_rels/document.xml.rels", document_rels)
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def paragraph(text: str, *, num_id: int | None = None, ilvl: int | None = None, style: str | None = None) -> str:
    """Return a w:p with one run, optionally numbered directly or styled."""
    properties = ""
    if style is not None:
        properties += f'<w:pStyle w:val="{style}"/>'
    if num_id is not None or ilvl is not None:
        level = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
        number = f'<w:numId w:val="{num_id}"/>' if num_id is not None else ""
        properties += f"<w:numPr>{level}{number}</w:numPr>"
    ppr = f"<w:pPr>{properties}</w:pPr>" if properties else ""
    return f"<w:p>{ppr}{run(text)}</w:p>"


def run(text: str) -> str:
    """Return a w:r holding `text` with spaces preserved."""
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def level(
    ilvl: int,
    num_format: str,
    text: str,
    *,
    start: int = 1,
    suffix: str | None = None,
    is_legal: bool = False,
    style: str | None = None,
    restart: int | None = None,
) -> str:
    """Return a w:lvl definition."""
    extra = ""
    if style is not None:
        extra += f'<w:pStyle w:val="{style}"/>'
    if restart is not None:
        extra += f'<w:lvlRestart w:val="{restart}"/>'
    if is_legal:
        extra += "<w:isLgl/>"
    if suffix is not None:
        extra += f'<w:suff w:val="{suffix}"/>'
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{num_format}"/>'
        f'{extra}<w:lvlText w:val="{text}"/></w:lvl>'
    )


def abstract_num(abstract_id: int, *levels: str) -> str:
    """Return a w:abstractNum holding `levels`."""
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'


def num(num_id: int, abstract_id: int, start_overrides: dict[int, int] | None = None) -> str:
    """Return a w:num pointing at an abstractNum, with optional startOverride per level."""
    overrides = "".join(
        f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
        for ilvl, start in (start_overrides or {}).items()
    )
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


def paragraph_style(style_id: str, name: str, *, num_id: int | None = None, ilvl: int | None = None, based_on: str | None = None) -> str:
    """Return a paragraph w:style, optionally numbered and based on another style."""
    base = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    numbering = ""
    if num_id is not None:
        level_xml = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
        numbering = f'<w:pPr><w:numPr>{level_xml}<w:numId w:val="{num_id}"/></w:numPr></w:pPr>'
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f"{base}{numbering}</w:style>"
    )


def table(*rows: str) -> str:
    """Return a w:tbl holding `rows`."""
    return f"<w:tbl><w:tblPr/>{''.join(rows)}</w:tbl>"


def row(*cells: str, properties: str = "") -> str:
    """Return a w:tr holding `cells`; `properties` is inner XML of w:trPr."""
    trpr = f"<w:trPr>{properties}</w:trPr>" if properties else ""
    return f"<w:tr>{trpr}{''.join(cells)}</w:tr>"


def cell(text: str = "", *, span: int = 1, v_merge: str | None = None, content: str | None = None) -> str:
    """Return a w:tc with one paragraph (or `content`), gridSpan and vMerge as given."""
    properties = ""
    if span > 1:
        properties += f'<w:gridSpan w:val="{span}"/>'
    if v_merge == "restart":
        properties += '<w:vMerge w:val="restart"/>'
    elif v_merge == "continue":
        properties += "<w:vMerge/>"
    if content is not None:
        body = content
    elif text:
        body = paragraph(text)
    else:
        body = "<w:p/>"
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{body}</w:tc>"


def content_control(inner: str, tag: str = "field") -> str:
    """Return a w:sdt wrapping `inner` (block-, run-, row- or cell-level content)."""
    return f'<w:sdt><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr><w:sdtContent>{inner}</w:sdtContent></w:sdt>'


def text_box(text: str) -> str:
    """Return a run holding one text box written twice, as DrawingML and as VML fallback."""
    box = f"<w:txbxContent>{paragraph(text)}</w:txbxContent>"
    return (
        "<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f"<wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def section(*references: tuple[str, str, str]) -> str:
    """Return a body-level w:sectPr; each reference is ("header" or "footer", type, rel id)."""
    inner = "".join(
        f'<w:{kind}Reference w:type="{kind_type}" r:id="{rel_id}"/>' for kind, kind_type, rel_id in references
    )
    return f"<w:sectPr>{inner}</w:sectPr>"


def complex_field(instruction: str, result: str = "", *, ff_data: str = "", separate: bool = True) -> str:
    """Return the runs of a complex field: begin (with w:ffData), instruction, result, end."""
    runs = (
        f'<w:r><w:fldChar w:fldCharType="begin">{ff_data}</w:fldChar></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
    )
    if separate:
        runs += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        runs += run(result) if result else ""
    return runs + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def note(kind: str, note_id: int, text: str, note_type: str | None = None) -> str:
    """Return a w:footnote or w:endnote with one paragraph; `note_type` is e.g. "separator"."""
    attribute = f' w:type="{note_type}"' if note_type else ""
    reference = f"<w:r><w:{kind}Ref/></w:r>"
    return f'<w:{kind} w:id="{note_id}"{attribute}><w:p>{reference}{run(text)}</w:p></w:{kind}>'


def note_reference(kind: str, note_id: int) -> str:
    """Return a run that refers to footnote or endnote `note_id`."""
    return f'<w:r><w:{kind}Reference w:id="{note_id}"/></w:r>'


def comment(comment_id: int, author: str, text: str) -> str:
    """Return a w:comment with one paragraph, dated 2024-03-05."""
    return (
        f'<w:comment w:id="{comment_id}" w:author="{author}" w:date="2024-03-05T10:00:00Z">'
        f"{paragraph(text)}</w:comment>"
    )
