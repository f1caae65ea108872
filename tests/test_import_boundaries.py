"""ingest/ and archive/ stay free of web frameworks; api/ and web/ stay on top."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_MODULES = ("fastapi", "starlette", "jinja2", "api", "web", "uvicorn")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["ingest", "archive"])
def test_core_packages_import_no_web_code(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & set(WEB_MODULES))
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_archive_does_not_import_ingest() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "archive").rglob("*.py") if "ingest" in imported_modules(p)]
    assert offenders == []
