"""Markup every page must have for people using a screen reader or a keyboard, in Chinese and in English.

Every visible form control has a label, every image a text alternative, ids are unique, the page
has one main heading and its language set, and no message id is left untranslated in Chinese.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from lxml import html

from tests.web.conftest import Loaded, parse

# Pages of the sample archive: {contract} is the purchase contract, {version} its current version,
# {amendment} the amendment's version.
PAGES = [
    "/",
    "/contracts/{contract}",
    "/contracts/{contract}/timeline",
    "/versions/{version}",
    "/versions/{amendment}",
    "/versions/{version}/view",
    "/compare?right={amendment}",
    "/compare?left={version}&right={amendment}&mode=versions",
    "/search?q=违约",
    "/upload",
    "/upload?contract_id={contract}",
    "/alerts",
    "/scores",
    "/account",
    "/admin/audit",
    "/contracts/{contract}/evidence",
    "/evidence-drafts",
    "/evidence-packs/verify",
]
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


def fill(template: str, loaded: Loaded) -> str:
    return template.format(contract=loaded.contract("contract"), version=loaded.version("contract"),
                           amendment=loaded.version("amendment"))


def unlabelled_controls(tree: html.HtmlElement) -> list[str]:
    """Return a description of each visible control that has no label a screen reader would announce."""
    labelled = set(tree.xpath("//label/@for"))
    missing = []
    for control in tree.xpath("//input | //select | //textarea"):
        if control.tag == "input" and (control.get("type") or "text") in UNLABELLED_TYPES:
            continue
        if control.get("id") in labelled or control.get("aria-label") or control.get("aria-labelledby"):
            continue
        if control.xpath("ancestor::label"):
            continue
        missing.append(f"<{control.tag} name={control.get('name')!r} id={control.get('id')!r}>")
    return missing


def looks_english(words: str) -> bool:
    """Return whether a label reads as English words: it starts with a Latin letter and has a space."""
    return words[:1].isascii() and words[:1].isalpha() and " " in words


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("template", PAGES)
def test_page_markup(site: TestClient, loaded: Loaded, template: str, lang: str) -> None:
    url = fill(template, loaded)
    # The language goes into the address itself: a `params` argument would replace the page's own query.
    response = site.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert response.status_code == 200, (url, response.status_code)
    tree = parse(response.text)

    assert tree.get("lang") == ("zh-CN" if lang == "zh_CN" else "en")
    assert len(tree.xpath("//h1")) == 1, url
    assert tree.xpath("//a[@class='skip'][@href='#main']"), url
    assert tree.xpath("//main[@id='main']"), url
    assert unlabelled_controls(tree) == [], url
    assert [img.get("src") for img in tree.xpath("//img[not(@alt)]")] == [], url
    duplicates = [name for name, count in Counter(tree.xpath("//@id")).items() if count > 1]
    assert duplicates == [], url
    for label in tree.xpath("//label[@for]"):
        assert tree.xpath(f"//*[@id='{label.get('for')}']"), f"{url}: label for a missing id {label.get('for')}"
    if lang == "zh_CN":
        # Navigation, buttons, labels and column heads are translated; data (titles, names) may be in any language.
        for text in tree.xpath("//header//nav//a/text() | //button/text() | //label/text() | //th/text()"):
            assert not looks_english(text.strip()), f"{url}: untranslated {text.strip()!r}"
