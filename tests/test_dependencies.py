"""The house's shape: programs and referrals never import each other; core imports neither; no module is too long."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400


def imported_modules(app):
    """Every module named by an import statement anywhere in ``app`` (migrations included)."""
    found = {}
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("referrals", {"programs"}), ("programs", {"referrals"}), ("core", {"programs", "referrals"})],
)
def test_apps_depend_on_core_never_on_each_other(app, forbidden):
    offending = {name: where for name, where in imported_modules(app).items() if name.split(".")[0] in forbidden}
    assert offending == {}


@pytest.mark.parametrize("app", ["referrals", "programs", "core"])
def test_no_module_over_400_lines(app):
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
