"""The shape of the house (issue 16): imports flow one way, with no circle, lazy imports included; eval/ keeps
its wings; no module grows past ~450 lines."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("summarize", "eval")
WINGS = ("rouge", "tracking", "stats", "run", "output")
# The wings from the floor up: a module may import its own wing, the wings below it and eval's top level.
ORDER = ("config", "rouge", "tracking", "stats", "run", "output")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module `path` imports: at module level, under TYPE_CHECKING and inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {name for name in out if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    part.append(top)
                    if top == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return found


def test_no_import_circle_anywhere_lazy_imports_included() -> None:
    assert circles(graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def wing(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "eval" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in WINGS or parts[1] == "config" else "top"


def test_eval_imports_flow_one_way_between_wings() -> None:
    """cli -> output -> run -> (tracking, stats, rouge) -> results, settings, config -> summarize."""
    wrong = []
    for module, targets in graph().items():
        if module.startswith("summarize"):
            wrong += [f"{module} -> {t}" for t in targets if t.startswith("eval")]
            continue
        here = wing(module)
        if here in (None, "top"):
            continue
        for target in targets:
            there = wing(target)
            if there in (None, "top", here):
                continue
            if ORDER.index(there) > ORDER.index(here):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_summarize_registry_imports_no_plugin() -> None:
    known = modules()
    assert imports(known["summarize.registry"], known) <= {"summarize.base", "summarize.errors"}
    for plugin in (
        "summarize.extractive",
        "summarize.outputs",
        "summarize.remote_config",
        "summarize.hf.config",
    ):
        assert "summarize.registry" not in imports(known[plugin], known), plugin


def test_eval_keeps_its_wings_and_a_small_top_level() -> None:
    entries = {p.name for p in (REPO / "eval").iterdir() if p.name != "__pycache__"}
    assert set(WINGS) <= entries
    assert len(entries - set(WINGS)) <= 8, sorted(entries - set(WINGS))


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_past_450_lines(name: str) -> None:
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= 450, f"{name}: {lines} lines; split it along its seams"


@pytest.mark.parametrize("module", [f"eval.{w}" for w in WINGS] + ["eval.config"])
def test_each_wing_imports_on_its_own_and_names_what_it_offers(module: str) -> None:
    imported = importlib.import_module(module)
    assert imported.__doc__ and len(imported.__doc__.split()) >= 10


def test_public_import_paths_the_readme_shows_keep_working() -> None:
    from eval.rouge import Scorer
    from eval.tracking import track

    assert Scorer().score(target="a b c", prediction="a b").keys() >= {"rouge1"}
    assert callable(track)
