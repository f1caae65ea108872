"""Write a small set of sample documents (invented parties and values) for a first run."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

CONTRACT_NUMBER = "HT-2024-001"
CONTRACT_TITLE = "设备采购合同"

PURCHASE_CONTRACT = [
    f"合同编号：{CONTRACT_NUMBER}",
    "甲方（买方）：示例科技有限公司",
    "乙方（卖方）：样本设备制造有限公司",
    "甲乙双方经友好协商，就甲方向乙方采购设备事宜，订立本合同。",
    "第一条 合同标的",
    "乙方向甲方供应服务器十台，型号、数量及单价见附件一。",
    "第二条 合同价款",
    "合同总价款为人民币壹拾贰万叁仟元整（￥123,000.00），含税。",
    "第三条 付款方式",
    "（一）合同签订后15个工作日内，甲方支付合同总价款的30%作为预付款；",
    "（二）设备验收合格后30日内，甲方支付合同总价款的65%；",
    "（三）余款5%作为质保金，质保期满后无息支付。",
    "第四条 交付与验收",
    "乙方应于2024年6月30日前将设备运至甲方指定地点。甲方应在收货后10日内组织验收，验收合格的，双方签署验收报告。",
    "第五条 保密",
    "双方对在履行本合同过程中知悉的对方商业秘密负有保密义务，保密期限不因合同终止而终止。",
    "第六条 违约责任",
    "乙方逾期交货的，每逾期一日，应按合同总价款的千分之一向甲方支付违约金。甲方逾期付款的，应承担相应的违约责任。",
    "第七条 争议解决",
    "因本合同产生的争议，双方协商解决；协商不成的，提交甲方所在地人民法院诉讼解决。",
    "第八条 其他",
    "本合同自双方签字盖章之日起生效，一式两份，双方各执一份。",
    "甲方（盖章）：示例科技有限公司　　乙方（盖章）：样本设备制造有限公司",
    "签订日期：二〇二四年三月五日",
]

AMENDMENT = [
    f"原合同编号：{CONTRACT_NUMBER}",
    "甲方：示例科技有限公司",
    "乙方：样本设备制造有限公司",
    f"鉴于甲乙双方于2024年3月5日签订了《{CONTRACT_TITLE}》（以下简称原合同），现经协商一致，订立本补充协议。",
    "一、交货时间变更",
    "原合同第四条约定的交货时间变更为2024年7月31日前。",
    "二、付款方式调整",
    "原合同第三条第（一）项约定的预付款比例调整为40%。",
    "三、其他",
    "本补充协议与原合同冲突的，以本补充协议为准；本补充协议未约定的，仍按原合同执行。",
    "甲方（盖章）：　　　　乙方（盖章）：",
    "日期：2024年5月20日",
]

ACCEPTANCE_REPORT = [
    f"合同编号：{CONTRACT_NUMBER}",
    f"合同名称：《{CONTRACT_TITLE}》",
    "验收日期：2024年8月2日",
    "一、验收内容",
    "服务器十台，外观完好，型号与合同约定一致。",
    "二、验收结论",
    "经测试，设备运行正常，验收合格。",
    "验收人签字：　　　　日期：2024年8月2日",
]

SERVICES_AGREEMENT = [
    "This Services Agreement (the \"Agreement\") is made as of January 15, 2024 between Example Buyer Ltd. (\"Customer\") and Sample Services Inc. (\"Provider\").",
    "1. Services. Provider shall provide the maintenance services described in Exhibit A.",
    "2. Fees. Customer shall pay Provider USD 24,000 per year, invoiced quarterly in advance.",
    "3. Confidentiality. Each party shall keep the other party's confidential information secret.",
    "4. Indemnification. Provider shall indemnify and hold harmless Customer against third-party claims arising from the services.",
    "5. Term. This Agreement remains in force for two years from the date above.",
    "IN WITNESS WHEREOF, the parties have signed this Agreement.",
]

SAMPLES = {
    "采购合同-HT-2024-001.docx": (CONTRACT_TITLE, PURCHASE_CONTRACT),
    "补充协议-HT-2024-001.docx": ("设备采购合同补充协议", AMENDMENT),
    "验收报告-HT-2024-001.docx": ("设备验收报告", ACCEPTANCE_REPORT),
    "services-agreement-sample.docx": ("SERVICES AGREEMENT", SERVICES_AGREEMENT),
}


def write_samples(folder: Path) -> Path:
    """Write the sample DOCX files into `folder` (kept when already there) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for filename, (title, paragraphs) in SAMPLES.items():
        path = folder / filename
        if path.exists():
            continue
        document = Document()
        heading = document.add_paragraph(title)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text in paragraphs:
            document.add_paragraph(text)
        document.save(str(path))
    return folder
