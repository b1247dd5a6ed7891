"""The shape of the code, checked: the one-way rule, no import circles, small modules, simple functions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "messages", "storage")
MAX_LINES = 400
# A regular expression that would take an idempotency key apart ("^esc:(\d+):step:(\d+)@" and the like).
KEY_PATTERN = re.compile(r"\^(esc|checkin|meeting|cs|ci|ea|er)\b.*\(\\d")


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)  # typing-only imports included


def test_only_the_bootstrap_imports_adapters() -> None:
    graph = _graph()
    offenders = sorted(
        f"{importer} -> {imported}"
        for imported in graph.find_children("handlers") | {"handlers"}
        for descendant in {imported} | graph.find_descendants(imported)
        for importer in graph.find_modules_that_directly_import(descendant)
        if not importer.startswith("handlers") and importer != "bot.bootstrap")
    assert offenders == []


def test_no_import_circles_between_project_modules() -> None:
    graph = _graph()
    circles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                circles.append(" -> ".join((importer, *back)))
    assert circles == []


def _modules() -> list[Path]:
    paths = [p for pkg in (*PACKAGES, "tests", "bench") for p in (ROOT / pkg).rglob("*.py")]
    return [p for p in paths if "migrations" not in p.parts]


def test_no_hand_written_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_layer_rule_is_written_down_for_import_linter() -> None:
    """CI runs `lint-imports`; this keeps the contract from being dropped from pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'layers = ["handlers", "bot", "messages | storage"]' in text
    assert '"bot.bootstrap -> handlers.**"' in text


def test_no_code_parses_idempotency_keys_or_button_codes_back() -> None:
    """Meaning lives in typed columns: no regex or LIKE over keys anywhere in the running code."""
    hits = []
    for path in _modules():
        if path.relative_to(ROOT).parts[0] in ("tests", "bench"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("like", "ilike")
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "idempotency_key"):
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_PATTERN.search(node.value):
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert hits == []
