"""The HTML pages over real SQLite data: language, content, links, errors and escaping."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import add_user, bearer
from tests.web.conftest import Loaded, build_docx, parse

CHINESE_NUMBERS = ["第一条", "第二条", "第三条", "第四条", "第五条", "第六条", "第七条", "第八条"]
SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMAGE = "&lt;img src=x onerror=alert(1)&gt;"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


PAGES = ["/", "/contracts/{contract}", "/versions/{version}", "/search", "/search?q=违约", "/upload"]


def page_url(template: str, loaded: Loaded) -> str:
    """Fill a PAGES entry with the ids of the sample purchase contract."""
    return template.format(contract=loaded.contract("contract"), version=loaded.version("contract"))


def clause_ids(page: str) -> dict[str, int]:
    """Map each clause number shown on a version page to its element id number."""
    tree = parse(page)
    numbers = {}
    for item in tree.xpath("//li[contains(@class, 'clause ')]"):
        number = item.xpath(".//div[@class='clause-head']/strong")[0].text_content().strip()
        numbers[number] = int(item.get("id").removeprefix("clause-"))
    return numbers


def hit_links(page: str) -> list[str]:
    return [link.get("href") for link in parse(page).xpath("//li[@class='hit']/a")]


def assert_no_raw_markup(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x" not in page


# Language


@pytest.mark.parametrize("template", PAGES)
def test_page_chinese_by_default(site: TestClient, loaded: Loaded, template: str) -> None:
    url = page_url(template, loaded)
    response = site.get(url)

    assert response.status_code == 200, url
    assert '<html lang="zh-CN">' in response.text
    nav = parse(response.text).xpath("//header//nav")[0].text_content()
    assert "合同" in nav
    assert "检索" in nav
    assert "English" in response.text


@pytest.mark.parametrize("template", PAGES)
def test_page_english_with_lang(site: TestClient, loaded: Loaded, template: str) -> None:
    url = page_url(template, loaded)
    separator = "&" if "?" in url else "?"
    response = site.get(f"{url}{separator}lang=en")

    assert response.status_code == 200, url
    assert '<html lang="en">' in response.text
    nav = parse(response.text).xpath("//header//nav")[0].text_content()
    assert "Contracts" in nav
    assert "Search" in nav
    assert "检索" not in nav


def test_lang_cookie_keeps_english(site: TestClient) -> None:
    first = site.get("/?lang=en")
    assert first.cookies.get("lang") == "en"

    second = site.get("/search")
    assert '<html lang="en">' in second.text
    assert "Search clauses" in second.text

    back = site.get("/search?lang=zh_CN")
    assert '<html lang="zh-CN">' in back.text
    assert '<html lang="zh-CN">' in site.get("/").text


def test_lang_link_keeps_query(site: TestClient) -> None:
    page = site.get("/search?q=违约").text
    link = parse(page).xpath("//header//div[@class='lang']/a")[0].get("href")

    assert link.startswith("/search?")
    english = site.get(link)
    assert '<html lang="en">' in english.text
    assert "<mark>违约</mark>" in english.text


def test_english_labels_not_identifiers(site: TestClient, loaded: Loaded) -> None:
    # Kind, state and field names are stored as identifiers and must reach the reader as words.
    page = site.get(f"/contracts/{loaded.contract('contract')}?lang=en").text
    body = parse(page).xpath("//main")[0].text_content()

    for identifier in ("acceptance_report", "contract_number", "total_amount"):
        assert identifier not in body


# Contract and version pages


def test_contracts_list_shows_samples(site: TestClient) -> None:
    page = site.get("/").text

    assert "HT-2024-001" in page
    assert "设备采购合同" in page
    assert "SERVICES AGREEMENT" in page


def test_contract_lists_documents(site: TestClient, loaded: Loaded) -> None:
    response = site.get(f"/contracts/{loaded.contract('contract')}")
    tree = parse(response.text)
    rows = tree.xpath("//main//table/tbody/tr")
    kinds = [row.xpath("td")[0].text_content().strip() for row in rows]
    version_links = {a.get("href") for a in tree.xpath("//ol[@class='versions']//a")}

    assert response.status_code == 200
    assert sorted(kinds) == sorted(["合同正文", "补充协议", "验收报告"])
    for name in ("contract", "amendment", "acceptance"):
        assert f"/versions/{loaded.version(name)}" in version_links
    assert "采购合同-HT-2024-001.docx" in response.text
    assert "已入库" in response.text


def test_contract_shows_amendment_link(site: TestClient, loaded: Loaded) -> None:
    page = site.get(f"/contracts/{loaded.contract('contract')}").text
    tree = parse(page)
    heading = [h for h in tree.xpath("//main//h2") if "补充协议" in h.text_content()]
    assert heading, "no amendments heading"
    links = [a.get("href") for a in heading[0].getnext().xpath(".//a")]

    assert links[:2] == [f"/versions/{loaded.version('amendment')}", f"/versions/{loaded.version('contract')}"]


def test_amendment_evidence_in_chinese(site: TestClient, loaded: Loaded) -> None:
    page = site.get(f"/contracts/{loaded.contract('contract')}").text
    body = parse(page).xpath("//main")[0].text_content()

    assert "shared parties" not in body
    assert "contract number" not in body


def test_contract_fields_link_clauses(site: TestClient, loaded: Loaded) -> None:
    version_id = loaded.version("contract")
    page = site.get(f"/contracts/{loaded.contract('contract')}").text
    links = [a.get("href") for a in parse(page).xpath("//dl[@class='facts']//a")]

    assert links, "no field links"
    for link in links:
        assert re.fullmatch(rf"/versions/{version_id}#clause-\d+", link), link


def test_version_shows_clause_numbers(site: TestClient, loaded: Loaded) -> None:
    page = site.get(f"/versions/{loaded.version('contract')}").text
    numbers = [n for n in clause_ids(page) if n.startswith("第")]

    assert numbers == CHINESE_NUMBERS
    assert "违约责任" in page
    assert "（一）" in clause_ids(page)


def test_version_fields_link_clauses(site: TestClient, loaded: Loaded) -> None:
    page = site.get(f"/versions/{loaded.version('contract')}").text
    ids = clause_ids(page)
    tree = parse(page)
    targets = [a.get("href") for a in tree.xpath("//dl[@class='facts']//a") if a.get("href").startswith("#")]
    amount = [a for a in tree.xpath("//dl[@class='facts']//a") if "123,000.00" in a.text_content()]

    assert targets, "no field links to clauses"
    for target in targets:
        assert tree.get_element_by_id(target[1:]) is not None, target
    assert amount, "no amount field"
    assert amount[0].get("href") == f"#clause-{ids['第二条']}"


def test_version_shows_warnings(client: TestClient) -> None:
    paragraphs = [
        "维修服务合同",
        "合同编号：WX-2024-009",
        "第一条 服务费用",
        "服务费用为人民币壹拾贰万元整（￥150,000.00）。",
    ]
    upload = client.post("/upload", files={"file": ("维修.docx", build_docx(paragraphs), DOCX_TYPE)})
    version_link = parse(upload.text).xpath("//tbody//td/a")[0].get("href")
    page = client.get(version_link).text
    warnings = [li.text_content() for li in parse(page).xpath("//ul[@class='warnings']/li")]

    assert upload.status_code == 200
    assert len(warnings) == 1
    assert "150,000.00" in warnings[0]
    assert "壹拾贰万元整" in warnings[0]


def test_version_warnings_in_chinese(client: TestClient) -> None:
    paragraphs = ["维修服务合同", "第一条 服务费用", "服务费用为人民币壹拾贰万元整（￥150,000.00）。"]
    upload = client.post("/upload", files={"file": ("维修.docx", build_docx(paragraphs), DOCX_TYPE)})
    version_link = parse(upload.text).xpath("//tbody//td/a")[0].get("href")
    warnings = [li.text_content() for li in parse(client.get(version_link).text).xpath("//ul[@class='warnings']/li")]

    assert warnings, "no warning shown"
    assert "disagrees" not in warnings[0]


def test_kind_form_changes_kind(client: TestClient, samples: Path) -> None:
    data = (samples / "services-agreement-sample.docx").read_bytes()
    upload = client.post("/upload", files={"file": ("services.docx", data, DOCX_TYPE)})
    tree = parse(upload.text)
    version_link = tree.xpath("//tbody//td/a")[0].get("href")
    action = parse(client.get(version_link).text).xpath("//form[contains(@action, '/kind')]")[0].get("action")

    changed = client.post(action, data={"kind": "invoice", "back": version_link}, follow_redirects=False)
    assert changed.status_code == 303
    assert changed.headers["location"] == version_link

    page = client.get(version_link).text
    selected = parse(page).xpath("//select[@id='kind']/option[@selected]")[0]
    assert selected.get("value") == "invoice"
    assert "人工设定" in page


def test_kind_form_rejects_offsite_back(client: TestClient, samples: Path) -> None:
    data = (samples / "services-agreement-sample.docx").read_bytes()
    upload = client.post("/upload", files={"file": ("services.docx", data, DOCX_TYPE)})
    action = parse(upload.text).xpath("//form[contains(@action, '/kind')]")[0].get("action")

    changed = client.post(action, data={"kind": "other", "back": "//evil.example/"}, follow_redirects=False)
    assert changed.headers["location"] == "/"


def test_kind_form_invalid_kind(client: TestClient, samples: Path) -> None:
    data = (samples / "services-agreement-sample.docx").read_bytes()
    upload = client.post("/upload", files={"file": ("services.docx", data, DOCX_TYPE)})
    action = parse(upload.text).xpath("//form[contains(@action, '/kind')]")[0].get("action")

    response = client.post(action, data={"kind": "bogus", "back": "/"}, follow_redirects=False)
    assert response.status_code in (400, 422)
    assert '<html lang="zh-CN">' in response.text
    assert "Traceback" not in response.text


# Search


def test_search_highlights_and_links(site: TestClient, loaded: Loaded) -> None:
    version_id = loaded.version("contract")
    ids = clause_ids(site.get(f"/versions/{version_id}").text)
    page = site.get("/search", params={"q": "违约"}).text

    assert "<mark>违约</mark>" in page
    assert f"/versions/{version_id}#clause-{ids['第六条']}" in hit_links(page)
    for link in hit_links(page):
        assert re.fullmatch(r"/versions/\d+#clause-\d+", link), link


def test_search_english_term(site: TestClient, loaded: Loaded) -> None:
    page = site.get("/search", params={"q": "indemnify"}).text
    links = hit_links(page)

    assert links, "no hits for indemnify"
    assert urlsplit(links[0]).path == f"/versions/{loaded.version('services')}"
    assert "<mark>" in page


def test_search_kind_filter(site: TestClient, loaded: Loaded) -> None:
    unfiltered = {urlsplit(link).path for link in hit_links(site.get("/search", params={"q": "HT-2024-001"}).text)}
    for name, kind in (("amendment", "amendment"), ("acceptance", "acceptance_report"), ("contract", "contract")):
        page = site.get("/search", params={"q": "HT-2024-001", "kind": kind}).text
        paths = {urlsplit(link).path for link in hit_links(page)}
        selected = parse(page).xpath("//select[@id='kind']/option[@selected]")

        assert paths == {f"/versions/{loaded.version(name)}"}, kind
        assert selected[0].get("value") == kind
    assert len(unfiltered) == 3


def test_search_contract_filter(site: TestClient, loaded: Loaded) -> None:
    purchase = loaded.contract("contract")
    page = site.get("/search", params={"q": "合同", "contract_id": str(purchase)}).text
    contract_links = parse(page).xpath("//li[@class='hit']/small/a/@href")
    empty = site.get("/search", params={"q": "合同", "contract_id": str(loaded.contract("services"))}).text

    assert contract_links, "no hits for 合同 in the purchase contract"
    assert set(contract_links) == {f"/contracts/{purchase}"}
    assert hit_links(empty) == []
    assert parse(empty).xpath("//p[@class='count']")[0].text_content() == "共 0 条匹配条款"


def test_search_escapes_query(site: TestClient) -> None:
    response = site.get("/search", params={"q": f"{SCRIPT}{IMAGE}"})

    assert response.status_code == 200
    assert_no_raw_markup(response.text)
    assert parse(response.text).xpath("//input[@id='q']")[0].get("value") == f"{SCRIPT}{IMAGE}"


@pytest.mark.parametrize("query", ['"', "-", "AND", "(", "*", 'title:"x', "\\"])
def test_search_syntax_is_query(site: TestClient, query: str) -> None:
    response = site.get("/search", params={"q": query})

    assert response.status_code == 200
    assert "Traceback" not in response.text


# Uploads and errors


@pytest.mark.parametrize(
    "name, data",
    [("空文件.pdf", b""), ("notes.pdf", "会议记录，纯文本，不是 PDF。\n".encode())],
)
def test_upload_failure_names_file(client: TestClient, name: str, data: bytes) -> None:
    response = client.post("/upload", files={"file": (name, data, "application/pdf")})
    errors = [span.text_content() for span in parse(response.text).xpath("//tbody//*[@class='error']")]

    assert response.status_code == 422
    assert len(errors) == 1
    assert name in errors[0]
    assert "Traceback" not in response.text
    assert '<html lang="zh-CN">' in response.text
    assert "失败" in response.text


def test_upload_mixed_result_ok(client: TestClient, samples: Path) -> None:
    good = (samples / "验收报告-HT-2024-001.docx").read_bytes()
    files = [("file", ("空.pdf", b"", "application/pdf")), ("file", ("验收.docx", good, DOCX_TYPE))]
    response = client.post("/upload", files=files)
    rows = parse(response.text).xpath("//tbody/tr")

    assert response.status_code == 200
    assert len(rows) == 2
    assert "验收报告" in rows[1].text_content()
    assert "已入库" in rows[1].text_content()


def test_upload_bad_contract_chinese(client: TestClient, samples: Path) -> None:
    data = (samples / "services-agreement-sample.docx").read_bytes()
    response = client.post("/upload", files={"file": ("a.docx", data, DOCX_TYPE)}, data={"contract_id": "12a"})
    message = parse(response.text).xpath("//*[@class='error']")[0].text_content()

    assert response.status_code == 422
    assert "12a" in message
    assert "must be a whole number" not in message


def test_upload_duplicate_says_so(client: TestClient, samples: Path) -> None:
    data = (samples / "services-agreement-sample.docx").read_bytes()
    client.post("/upload", files={"file": ("a.docx", data, DOCX_TYPE)})
    again = client.post("/upload", files={"file": ("b.docx", data, DOCX_TYPE)})

    assert again.status_code == 200
    assert "state-duplicate" in again.text


@pytest.mark.parametrize("url, message", [("/contracts/987654", "未找到合同"), ("/versions/987654", "未找到")])
def test_unknown_id_chinese_404(site: TestClient, url: str, message: str) -> None:
    response = site.get(url)

    assert response.status_code == 404
    assert '<html lang="zh-CN">' in response.text
    assert message in parse(response.text).xpath("//*[@class='error']")[0].text_content()
    assert response.headers["cache-control"] == "no-store"


def test_unknown_path_chinese_404(site: TestClient) -> None:
    response = site.get("/no-such-page")

    assert response.status_code == 404
    assert '<html lang="zh-CN">' in response.text


@pytest.mark.parametrize("template", PAGES)
def test_page_cache_no_store(site: TestClient, loaded: Loaded, template: str) -> None:
    url = page_url(template, loaded)

    assert site.get(url).headers["cache-control"] == "no-store"


# Stored cross-site scripting


@pytest.fixture
def hostile(client: TestClient) -> dict[str, str]:
    """Upload a DOCX whose text and file name carry HTML; return the pages that show it."""
    paragraphs = [
        f"测试合同 {SCRIPT}",
        f"合同编号：XSS-{IMAGE}",
        f"甲方：{IMAGE}有限公司",
        f"第一条 标的 {SCRIPT} script",
        f"第二条 违约责任 {IMAGE} script",
    ]
    name = f"{SCRIPT}合同{IMAGE}.docx"
    upload = client.post("/upload", files={"file": (name, build_docx(paragraphs), DOCX_TYPE)})
    assert upload.status_code == 200, upload.text
    version_link = parse(upload.text).xpath("//tbody//td/a")[0].get("href")
    version = client.get(version_link).text
    contract_link = parse(version).xpath("//p[@class='crumbs']/a")[0].get("href")
    return {
        "upload": upload.text,
        "version": version,
        "contract": client.get(contract_link).text,
        "contracts": client.get("/").text,
        "search": client.get("/search", params={"q": "script"}).text,
    }


@pytest.mark.parametrize("page", ["upload", "version", "contract", "contracts", "search"])
def test_stored_html_escaped(hostile: dict[str, str], page: str) -> None:
    assert_no_raw_markup(hostile[page])


@pytest.mark.parametrize("page", ["version", "contract", "contracts", "search"])
def test_stored_script_shown_escaped(hostile: dict[str, str], page: str) -> None:
    assert ESCAPED_SCRIPT in hostile[page]


@pytest.mark.parametrize("page", ["upload", "version", "search"])
def test_stored_image_shown_escaped(hostile: dict[str, str], page: str) -> None:
    assert ESCAPED_IMAGE in hostile[page]


def test_search_marks_escaped_text(hostile: dict[str, str]) -> None:
    snippets = parse(hostile["search"]).xpath("//p[@class='snippet']")

    assert snippets, "no hits for script"
    for snippet in snippets:
        assert [child.tag for child in snippet] == ["mark"] * len(snippet)
        assert {child.text for child in snippet} == {"script"}


def test_oversized_upload_keeps_form(tmp_path: Path) -> None:
    from api.app import create_app
    from archive.settings import Settings
    from fastapi.testclient import TestClient

    settings = Settings(data_dir=tmp_path / "data", max_upload_mb=1, _env_file=None)
    token = add_user(settings, "tester", "legal")
    with TestClient(create_app(settings), headers=bearer(token)) as small:
        response = small.post("/upload", files={"file": ("大文件.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))})

    assert response.status_code == 413
    assert "大文件.pdf" in response.text
    assert 'name="file"' in response.text


def test_page_title_is_plain_text(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/upload", files={"file": ("坏文件.pdf", b"%PDF-1.7\n1 0 obj <<")})

    page = client.get("/")

    title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL).group(1)
    assert "<" not in title
    assert "坏文件.pdf" in page.text


def test_version_page_shows_quality(site, loaded) -> None:  # type: ignore[no-untyped-def]
    version_id = next(iter(loaded.results.values())).document_version_id
    page = site.get(f"/versions/{version_id}")
    assert "文本质量" in page.text
    assert "可信" in page.text
