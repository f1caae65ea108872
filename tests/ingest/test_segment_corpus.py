"""Reader → segment → extract on the real documents in ../shared/corpus."""

import datetime as dt
from functools import cache
from pathlib import Path

import pytest

from ingest.fields.extract import extract_fields
from ingest.kind import detect_kind
from ingest.parsed import ParsedDocument
from ingest.references import find_references
from ingest.segment import MAX_SIGNATURE_LINES, MAX_SIGNATURE_PAGES, segment

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CHINESE_ARTICLES = [
    "第一条", "第二条", "第三条", "第四条", "第五条", "第六条", "第七条", "第八条", "第九条",
    "第十条", "第十一条", "第十二条", "第十三条", "第十四条", "第十五条", "第十六条", "第十七条",
]
# NOTE: one appendix of the collaboration agreement, a 13-page table without numbers, stays one
# clause of about 22,600 characters.
MAX_COLLABORATION_CLAUSE_CHARS = 25_000
# The notes before the GF-2024-2612 contents are a few sentences per numbered item.
MAX_NOTE_CLAUSE_CHARS = 500
CHINESE_ENUM = ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十、", "十一、"]


@cache
def read(name: str) -> ParsedDocument:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} not found in {CORPUS}")
    if name.endswith(".pdf"):
        from ingest.readers.pdf import read_pdf

        return read_pdf(path.read_bytes(), filename=name)
    from ingest.readers.docx import read_docx

    return read_docx(path.read_bytes(), filename=name)


@cache
def analysed(name: str):
    doc = read(name)
    clauses = segment(doc)
    fields, warnings = extract_fields(doc, clauses)
    return doc, clauses, fields, warnings


def top_numbers(clauses) -> list[str]:
    return [c.number for c in clauses if c.role == "clause" and c.level == 0]


def field(fields, name: str):
    matches = [f for f in fields if f.name == name]
    assert matches, f"no {name} field"
    return matches[0]


def parties(fields) -> list[tuple[str | None, str]]:
    return [(f.role, f.value) for f in fields if f.name == "party"]


def by_number(clauses, number: str):
    return next(c for c in clauses if c.number == number)


def by_heading(clauses, heading: str):
    return next(c for c in clauses if c.heading == heading)


@pytest.fixture(scope="module")
def collaboration():
    return analysed("en_cuad_collaboration_154p_ceres.pdf")


def test_beijing_training_model_articles():
    _, clauses, _, _ = analysed("zh_beijing_training-service-model_bf-2021-2730.pdf")
    articles = [n for n in top_numbers(clauses) if n.startswith("第")]

    assert articles == CHINESE_ARTICLES[:9]
    assert 55 <= len(clauses) <= 80
    assert by_number(clauses, "第一条").heading == "培训服务"
    roles = [c.role for c in clauses]
    assert roles.count("signature") == 1
    assert top_numbers(clauses)[-1] == "附件"


def test_beijing_model_text_number_is_not_contract_number():
    # The cover prints the model-text number BF-2021-2730 at the left of the same row
    # as an empty 合同编号： field, so the contract number is blank, not BF-2021-2730.
    _, _, fields, _ = analysed("zh_beijing_training-service-model_bf-2021-2730.pdf")

    assert [f.value for f in fields if f.name == "contract_number"] == []


def test_beijing_training_model_page_spans():
    _, clauses, _, _ = analysed("zh_beijing_training-service-model_bf-2021-2730.pdf")
    first = by_number(clauses, "第一条")

    assert first.page_start == 5
    assert first.boxes[0][0] == 5
    assert all(c.page_start <= c.page_end for c in clauses if c.page_start is not None)


def test_student_software_contract_fields():
    _, clauses, fields, warnings = analysed("zh_student_software-dev-contract_diyitiao.docx")

    assert top_numbers(clauses) == CHINESE_ARTICLES[:13]
    assert by_number(clauses, "第一条").heading == "合同标的"
    assert [(f.role, f.detail) for f in fields if f.name == "party"] == [("委托方", "甲方"), ("受托方", "乙方")]
    assert field(fields, "signing_date").normalized == "2024-04-21"
    assert field(fields, "total_amount").normalized == "100000.00"
    assert field(fields, "total_amount_uppercase").normalized == "100000.00"
    assert clauses[field(fields, "total_amount").clause_ordinal].number == "第六条"
    assert warnings == []


def test_zhaoxin_template_dotted_under_enum():
    _, clauses, fields, _ = analysed("zh_zhaoxin_source-code-sales-contract_template.pdf")

    assert top_numbers(clauses) == CHINESE_ENUM
    assert by_number(clauses, "1.1").parent == by_number(clauses, "一、").ordinal
    assert by_number(clauses, "4.1.1").parent == by_number(clauses, "4.1").ordinal
    assert by_number(clauses, "4.1.1").level == 2
    assert field(fields, "total_amount").normalized == "58000.00"
    assert field(fields, "total_amount_uppercase").normalized == "58000.00"
    assert ("乙方", "山西肇新科技有限公司") in parties(fields)


def test_office_procurement_amounts_agree():
    _, clauses, fields, warnings = analysed("zh_office-equipment-procurement-contract_original.pdf")

    assert top_numbers(clauses) == CHINESE_ENUM[:9]
    assert field(fields, "total_amount").normalized == "66600.00"
    assert field(fields, "total_amount_uppercase").normalized == "66600.00"
    assert field(fields, "currency").normalized == "CNY"
    assert [role for role, _ in parties(fields)] == ["甲方", "乙方"]
    assert warnings == []


def test_office_procurement_title_from_text():
    doc, _, fields, _ = analysed("zh_office-equipment-procurement-contract_original.pdf")

    # The file's metadata still carries the title of the template it was made from.
    assert doc.title != "电脑及办公设备采购合同"
    assert field(fields, "title").value == "电脑及办公设备采购合同"


def test_guangzhou_lease_articles():
    _, clauses, _, _ = analysed("zh_guangzhou_housing-lease-model_sf-2017-0601.pdf")
    articles = [n for n in top_numbers(clauses) if n.startswith("第")]

    assert articles == CHINESE_ARTICLES[:14]
    assert 50 <= len(clauses) <= 80


def test_zhejiang_house_sale_articles():
    _, clauses, _, _ = analysed("zh_zhejiang_second-hand-house-sale-model_16p.pdf")
    articles = [n for n in top_numbers(clauses) if n.startswith("第")]

    # A lease model text with its own 第一条…第十条 follows the sale contract's signature page.
    assert articles == CHINESE_ARTICLES[:10] * 2
    second_start = [c for c in clauses if c.number == "第一条"][1]
    assert second_start.page_start == 13
    assert all(len(c.text.splitlines()) <= MAX_SIGNATURE_LINES for c in clauses if c.role == "signature")


def test_most_tech_service_articles():
    _, clauses, _, _ = analysed("zh_most_tech-service-contract_model-text_jishu-fuwu.docx")
    articles = [n for n in top_numbers(clauses) if n.startswith("第")]

    assert articles == CHINESE_ARTICLES
    first = by_number(clauses, "第一条")
    assert first.paragraph_start is not None
    assert first.page_start is None


def test_federated_services_base_sections():
    doc, clauses, fields, _ = analysed("en_cuad_services-agreement_federated_base.pdf")

    assert top_numbers(clauses)[:8] == ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "8."]
    assert by_number(clauses, "1.").heading == "Services"
    assert by_number(clauses, "(a)").parent == by_number(clauses, "4.").ordinal
    assert parties(fields) == [
        ("Adviser", "FEDERATED INVESTMENT MANAGEMENT COMPANY"),
        ("FASC", "FEDERATED ADVISORY SERVICES COMPANY"),
    ]
    assert field(fields, "signing_date").normalized == "2004-01-01"
    assert detect_kind(doc, clauses) == "contract"


def test_federated_amendment_references_base():
    doc, clauses, _, _ = analysed("en_cuad_services-agreement_federated_amendment1.pdf")
    references = find_references(doc, clauses)

    assert detect_kind(doc, clauses) == "amendment"
    assert "services agreement" in [t.lower() for t in references.quoted_titles]
    assert dt.date(2004, 1, 1) in references.dates


def test_federated_amendment_quoted_items_stay():
    _, clauses, _, _ = analysed("en_cuad_services-agreement_federated_amendment2.pdf")
    amending_lines = by_number(clauses, "1.").text.splitlines()

    # Items 4 and 5 belong to the quoted replacement text of an exhibit inside clause 1.
    assert top_numbers(clauses) == ["1.", "2."]
    assert any(line.startswith("4. ") for line in amending_lines)
    assert any(line.startswith("5. ") for line in amending_lines)
    assert by_number(clauses, "2.").page_start == 1


def test_cerus_compound_exhibit_labels():
    _, clauses, _, _ = analysed("en_cuad_first-amendment_supply-manufacturing_cerus.pdf")
    annexes = [number for number in top_numbers(clauses) if number[0] in "ES"]

    assert annexes == [
        "Schedule 1", "Exhibit AA-1", "Exhibit AA-2", "Exhibit AA-3", "Exhibit AA-4",
        "Schedule 2", "Exhibit D-1", "SCHEDULE 3",
    ]
    assert by_number(clauses, "Exhibit AA-1").page_start == 4
    assert by_number(clauses, "Exhibit D-1").page_start == 8


def test_yc_saas_letter_exhibits():
    _, clauses, _, _ = analysed("en_yc-form-saas-agreement.docx")

    assert top_numbers(clauses)[-3:] == ["EXHIBIT A", "EXHIBIT B", "EXHIBIT C"]
    assert by_number(clauses, "EXHIBIT B").heading is not None


def test_limeenergy_distributor_nesting():
    _, clauses, fields, _ = analysed("en_cuad_distributor-agreement_limeenergy.pdf")

    # The lettered recitals are top-level units, and the numbered sections follow as their siblings.
    assert top_numbers(clauses)[:4] == ["A", "B", "C", "D"]
    assert top_numbers(clauses)[4:11] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    assert by_number(clauses, "1.1").parent == by_number(clauses, "1.").ordinal
    assert by_number(clauses, "2.1").parent == by_number(clauses, "2.").ordinal
    assert [role for role, _ in parties(fields)] == ["Company", "Distributor"]


def test_junlian_termination_amendment():
    doc, clauses, _, _ = analysed("zh_junlian_lease-termination_supplementary-agreement.docx")
    references = find_references(doc, clauses)

    assert detect_kind(doc, clauses) == "amendment"
    assert references.quoted_titles[0].endswith("租赁合同")
    assert clauses[-1].role == "signature"


def test_wole_supplementary_dotted_items():
    doc, clauses, _, _ = analysed("zh_wole_supplementary-agreement_buchong-xieyi.docx")

    assert detect_kind(doc, clauses) == "amendment"
    assert top_numbers(clauses) == CHINESE_ENUM[:4]
    assert by_number(clauses, "1.2").parent == by_number(clauses, "二、").ordinal


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("zh_zhongzhixin_acceptance-form_yanshoudan_item-table.docx", "acceptance_report"),
        ("zh_swun_project-acceptance-report_tables.docx", "acceptance_report"),
        ("mixed_junlian_payment-notice_fukuan-tongzhidan.docx", "payment_proof"),
        ("zh_junlian_payment-reminder_cuikuan-tongzhishu.docx", "correspondence"),
        ("en_cuad_first-amendment_supply-manufacturing_cerus.pdf", "amendment"),
        ("en_yc-form-saas-agreement.docx", "contract"),
    ],
)
def test_corpus_document_kinds(name, kind):
    doc = read(name)

    assert detect_kind(doc, segment(doc)) == kind


def test_collaboration_articles_in_order(collaboration):
    _, clauses, _, _ = collaboration
    body = []
    for clause in clauses:
        if clause.role == "signature":
            break
        if clause.role == "clause" and clause.level == 0:
            body.append(clause.number)

    assert body == [f"{n}." for n in range(1, 19)]
    assert 500 <= len(clauses) <= 600


def test_collaboration_after_first_signature(collaboration):
    _, clauses, _, _ = collaboration

    assert max(len(c.text) for c in clauses) <= MAX_COLLABORATION_CLAUSE_CHARS
    late = [c for c in clauses if c.role == "clause" and c.number and c.page_start > 76]
    assert len(late) >= 50
    assert "AMENDMENT II" in [c.number for c in late]
    signatures = [c for c in clauses if c.role == "signature"]
    assert all(c.page_end - c.page_start < MAX_SIGNATURE_PAGES for c in signatures)


def test_gf_2612_pdf_parts_after_signature():
    _, clauses, _, _ = analysed("zh_gf-2024-2612_whole-process-consulting-model_59p.pdf")
    found = [c.number for c in clauses]

    assert len(clauses) >= 300
    assert "1.1" in found
    assert "1.1.1" in found
    [signature] = [c for c in clauses if c.role == "signature"]
    assert signature.page_start == signature.page_end == 13
    assert len(signature.text.splitlines()) <= MAX_SIGNATURE_LINES
    general = by_number(clauses, "第二部分")
    assert general.page_start == 14
    assert by_number(clauses, "第 1 条").parent == general.ordinal
    assert [n for n in found if n and n.startswith("附件")] == ["附件 1", "附件 2", "附件 3", "附件 4"]


def test_gf_2612_pdf_and_docx_agree():
    _, pdf_clauses, _, _ = analysed("zh_gf-2024-2612_whole-process-consulting-model_59p.pdf")
    _, docx_clauses, _, _ = analysed("zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx")

    for clauses in (pdf_clauses, docx_clauses):
        suspensions = [c for c in clauses if c.number == "5.4"]
        assert [c.heading for c in suspensions] == ["服务暂停", "服务暂停"]
    assert abs(len(pdf_clauses) - len(docx_clauses)) <= 20


def test_oha_sample_contract_has_numbered_clauses():
    _, clauses, _, _ = analysed("en_oha-sample-contract_owner-password-restricted_watermark.pdf")
    numbered = [c for c in clauses if c.role == "clause" and c.number]

    # The OCR text layer reads clause 1 as "I Scope of Services", so numbering starts at 2.
    assert numbered[0].number == "2."
    assert numbered[0].page_start == 3
    assert len(numbered) >= 6
    assert sum(c.role == "preamble" for c in clauses) <= 2


def test_west_pharma_unnumbered_sections():
    _, clauses, fields, _ = analysed("en_cuad_supply-agreement_west-pharma.pdf")
    preamble = clauses[0]

    assert preamble.role == "preamble"
    assert preamble.page_end == 1
    assert by_heading(clauses, "PRICING").page_start == 1
    assert by_heading(clauses, "GOVERNING LAW").page_start == 7
    attachment = by_number(clauses, "ATTACHMENT A")
    assert by_number(clauses, "1.").parent == attachment.ordinal
    assert [c.page_start for c in clauses if c.role == "signature"][0] == 8


def test_collaboration_nesting_parents(collaboration):
    _, clauses, _, _ = collaboration
    article_one = by_number(clauses, "1.")
    section = by_number(clauses, "1.12")
    subsection = by_number(clauses, "1.12.1")

    assert article_one.heading == "RESEARCH PROJECTS"
    assert by_number(clauses, "1.1").parent == article_one.ordinal
    assert section.parent == article_one.ordinal
    assert subsection.parent == section.ordinal
    assert subsection.level == 2
    assert by_number(clauses, "14.").page_start > by_number(clauses, "13.").page_start


def test_collaboration_fields(collaboration):
    _, clauses, fields, _ = collaboration

    assert parties(fields) == [
        ("IGER", "INSTITUTE OF GRASSLAND AND ENVIRONMENTAL RESEARCH"),
        ("CERES", "CERES, INC."),
    ]
    assert field(fields, "signing_date").normalized == "2007-04-01"
    assert field(fields, "effective_date").normalized == "2007-04-01"
    assert any(c.role == "signature" for c in clauses)


def test_office_procurement_signature_after_clause_six():
    _, clauses, _, _ = analysed("zh_office-equipment-procurement-contract_original.pdf")
    last_clause = [c for c in clauses if c.role == "clause"][-1]
    signature = clauses[-1]

    assert last_clause.number == "6."
    assert "盖公章" not in last_clause.text
    assert signature.role == "signature"
    assert signature.page_start == signature.page_end == 3
    assert signature.text.splitlines()[0].startswith("甲方单位名称")
    assert signature.text.splitlines()[-1].startswith("签署日期")


def test_student_software_signature_after_item_four():
    _, clauses, fields, _ = analysed("zh_student_software-dev-contract_diyitiao.docx")
    item = clauses[-2]
    signature = clauses[-1]

    assert item.number == "4、"
    assert item.role == "clause"
    assert "签订时间" not in item.text
    assert signature.role == "signature"
    assert signature.paragraph_start == item.paragraph_end + 1
    assert "签订时间" in signature.text
    assert clauses[field(fields, "signing_date").clause_ordinal].role == "signature"


def test_gf_2612_pdf_toc_unit():
    _, clauses, _, _ = analysed("zh_gf-2024-2612_whole-process-consulting-model_59p.pdf")
    [toc] = [c for c in clauses if c.role == "toc"]
    before = clauses[toc.ordinal - 1]

    assert (toc.page_start, toc.page_end) == (4, 8)
    assert toc.text.splitlines()[0] == "目录"
    assert before.number == "三、"
    assert before.page_end == 3
    assert len(before.text) < MAX_NOTE_CLAUSE_CHARS
    after = clauses[toc.ordinal + 1]
    assert after.number == "第一部分"
    assert after.page_start == 9


def test_gf_2612_docx_toc_unit():
    _, clauses, _, _ = analysed("zh_gf-2024-2612_whole-process-consulting-model_auto-numbering.docx")
    [toc] = [c for c in clauses if c.role == "toc"]

    assert clauses[toc.ordinal - 1].number == "三、"
    assert clauses[toc.ordinal + 1].number == "第一部分"
    assert "第二部分" in top_numbers(clauses)


def test_zhejiang_embedded_titles_open_preambles():
    _, clauses, _, _ = analysed("zh_zhejiang_second-hand-house-sale-model_16p.pdf")
    titled = [c for c in clauses if c.role == "preamble" and c.page_start in (3, 12)]

    assert [(c.page_start, c.page_end) for c in titled] == [(3, 4), (12, 13)]
    assert [c.text.splitlines()[1] for c in titled] == ["合同当事人", "合同当事人"]
    for preamble in titled:
        item = clauses[preamble.ordinal - 1]
        assert item.role == "clause"
        assert item.page_end == preamble.page_start - 1
        assert clauses[preamble.ordinal + 1].number == "第一条"
    assert clauses[titled[0].ordinal - 1].number == "6、"
    assert clauses[titled[1].ordinal - 1].number == "5、"


def test_collaboration_schedule_sections(collaboration):
    _, clauses, _, _ = collaboration
    schedule = by_number(clauses, "SCHEDULE 1")
    sections = [c for c in clauses if c.parent == schedule.ordinal]

    # Two lettered paragraphs open the schedule, then outline sections I. and II., then sections from 3.
    assert [c.number for c in sections][:4] == ["A", "B", "I", "II"]
    numbered = sections[4:]
    assert [c.number for c in numbered][:11] == [f"{n}." for n in range(3, 14)]
    assert numbered[0].page_start == 83
    assert numbered[0].heading == "RESEARCH AND DEVELOPMENT PLAN"
    section_two = sections[3]
    assert [c.number for c in clauses if c.parent == section_two.ordinal] == ["II.A", "II. B", "II.C", "II D"]
    thirteen = next(c for c in sections if c.number == "13.")
    assert [c.number for c in clauses if c.parent == thirteen.ordinal] == ["13.1", "13.2"]


def test_collaboration_toc_unit(collaboration):
    _, clauses, _, _ = collaboration
    [toc] = [c for c in clauses if c.role == "toc"]

    assert toc.page_start == toc.page_end == 2
    assert toc.text.splitlines()[0] == "TABLE OF CONTENTS"
    assert clauses[toc.ordinal + 1].role == "preamble"
    assert clauses[toc.ordinal + 1].page_start == 3
