import pytest

from ingest.kind import detect_kind
from ingest.parsed import Block, ParsedDocument
from ingest.segment import segment


def detect(*paragraphs: str) -> str:
    blocks = tuple(Block(text, paragraph_index=index) for index, text in enumerate(paragraphs))
    doc = ParsedDocument("application/vnd.openxmlformats-officedocument.wordprocessingml.document", blocks)
    return detect_kind(doc, segment(doc))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("设备采购合同", "contract"),
        ("技术服务协议书", "contract"),
        ("SERVICES AGREEMENT", "contract"),
        ("合同补充协议书", "amendment"),
        ("关于《君山大厦租赁合同》的变更协议", "amendment"),
        ("FIRST AMENDMENT TO SUPPLY AGREEMENT", "amendment"),
        ("项目验收报告", "acceptance_report"),
        ("设备验收单", "acceptance_report"),
        ("竣工验收证书", "acceptance_report"),
        ("付款通知单", "payment_proof"),
        ("银行电子回单", "payment_proof"),
        ("增值税专用发票", "invoice"),
        ("催款通知书", "correspondence"),
        ("律师函", "correspondence"),
        ("关于延期交货的函", "correspondence"),
        ("项目启动会会议纪要", "meeting_minutes"),
    ],
)
def test_detect_kind_from_title(title, expected):
    assert detect(title, "第一条 内容。") == expected


def test_quoted_contract_title_does_not_decide():
    # The quoted title names the contract; the document itself is an acceptance report.
    assert detect("关于《软件开发合同》", "验收报告", "一、验收结论：合格。") == "acceptance_report"


def test_kind_from_head_lines_without_title():
    assert detect("编号：2024-01", "兹收到贵司货款，特此证明。", "收款收据") == "payment_proof"


def test_unknown_document_is_other():
    assert detect("会议室使用登记", "日期 | 人员") == "other"
