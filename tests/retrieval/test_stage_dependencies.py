"""The library's stages depend on each other one way only: text ← corpus ← index.

A stage may use the stages before it, the shared records and the lexicon, never a stage
after it, nor the engine and answer modules built on top of all of them: that is what lets
each stage be read, tested and replaced on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import retrieval

PACKAGE = Path(retrieval.__file__).resolve().parent

LEAVES = {"retrieval.records", "retrieval.lexicon"}
ALLOWED: dict[str, set[str]] = {
    "lexicon": {"retrieval.lexicon"},
    "text": {"retrieval.text"} | LEAVES,
    "corpus": {"retrieval.corpus", "retrieval.text"} | LEAVES,
    "index": {"retrieval.index", "retrieval.corpus", "retrieval.text"} | LEAVES,
}


def imported_modules(path: Path) -> set[str]:
    """The ``retrieval`` modules ``path`` imports, relative imports resolved."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            modules.add(name)
    return {module for module in modules if module == "retrieval" or module.startswith("retrieval.")}


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_a_stage_imports_only_the_stages_before_it(stage: str) -> None:
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        for module in imported_modules(path):
            assert any(module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED[stage]), (
                f"{path.relative_to(PACKAGE.parent)} imports {module}"
            )


def test_the_public_names_are_importable() -> None:
    for name in retrieval.__all__:
        assert hasattr(retrieval, name), name
