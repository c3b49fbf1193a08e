"""Imports in helpers/ only go down the floors, and never form a cycle.

The floors are drawn in docs/developing.md. Every import counts, including one inside a
function: a late import hides a dependency, it does not remove it. A module may import from
its own floor or any floor below; a package's ``__init__`` counts as importing whatever it
re-exports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parents[1] / "helpers"

#: Module (or package prefix) -> floor. The longest matching prefix wins.
FLOORS = {
    "helpers.errors": 0, "helpers.clock": 0, "helpers.course": 0,
    "helpers.pem": 1, "helpers.show": 1, "helpers.der": 1,
    "helpers.pki": 2, "helpers.pinning": 2, "helpers.pinning.pins": 2,
    "helpers.tls.records": 2, "helpers.tls.names": 2, "helpers.tls.wire": 2, "helpers.tls.extensions": 2,
    "helpers.tls.hellos": 2, "helpers.tls.messages": 2,
    "helpers.anatomy": 3, "helpers.trust_store": 3, "helpers.pinning.client": 3,
    "helpers.pinning.broken": 3, "helpers.pinning.renewal": 3, "helpers.tls": 3, "helpers.validation": 3,
    "helpers.platforms": 3, "helpers.platforms.flutter": 4,  # flutter replays lesson 05's attacks
    "helpers.attacks": 4, "helpers.rotation": 4, "helpers.decide": 4, "helpers.capstone": 4,
    "helpers.plots": 5, "helpers.widgets": 5, "helpers.exercises": 5, "helpers.doctor": 5,
    "helpers.cli": 6, "helpers.__main__": 6, "helpers": 6,
}


def floor(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in FLOORS:
            return FLOORS[prefix]
    raise KeyError(module)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(HELPERS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every helpers module that ``path`` imports, at any depth in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("helpers")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("helpers"):
                continue
            for alias in node.names:  # "from . import x" may name a submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if (HELPERS.parent / Path(*sub.split("."))).with_suffix(".py").exists()
                          or (HELPERS.parent / Path(*sub.split("."))).is_dir() else target)
    return found - {name}


GRAPH = {module_name(p): imports(p) for p in sorted(HELPERS.rglob("*.py"))}


def test_every_module_has_a_floor():
    assert [m for m in GRAPH if _has_floor(m) is False] == []


def _has_floor(module: str) -> bool:
    try:
        floor(module)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_only_go_down(module):
    up = sorted(f"{target} (floor {floor(target)})" for target in GRAPH[module]
                if target in GRAPH and floor(target) > floor(module))
    assert not up, f"{module} (floor {floor(module)}) imports a higher floor: {up}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _with_parents(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Importing ``a.b.c`` runs ``a.b``'s ``__init__`` first: add that edge too."""
    out = {}
    for module, targets in graph.items():
        extra = set()
        for target in targets:
            parts = target.split(".")
            extra |= {".".join(parts[:n]) for n in range(2, len(parts))}
        out[module] = (targets | extra) - {module} - {p for p in extra if module.startswith(p + ".")}
    return out


def test_no_import_cycle():
    assert _cycle(_with_parents(GRAPH)) is None


def test_the_checker_sees_a_cycle_and_an_upward_import():
    """The checks above can fail: a planted cycle and a planted upward import are caught."""
    assert _cycle({"helpers.a": {"helpers.b"}, "helpers.b": {"helpers.a"}}) == [
        "helpers.a", "helpers.b", "helpers.a"]
    assert floor("helpers.pki.ca") == 2 and floor("helpers.attacks") == 4
    assert "helpers.pki.catalogue" in GRAPH["helpers.pki"]
    assert "helpers.pem" in GRAPH["helpers.pki.ca"]
