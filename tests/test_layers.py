"""The package's layering, as tests: no import cycle, no upward import, ``checks/`` does no I/O,
``simulator/`` never imports ``checks/``. Next to ``test_cli.test_library_never_imports_pytest``.

Imports are read from the source (every ``import``, also those inside functions, which is where cycles
hide), never by importing. Each rule is a pure function over an import graph, so the tests at the bottom
can show that it fails on the violations issue 14 found.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "verification"

# The layer order, lowest first. A module may import its own area (``verification.<area>``) and any area
# of a lower layer, never one of its own layer or above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("verification", "errors"),  # the package root (__version__), exit codes and the base exception
    ("serving",),  # bind, start and stop a server (the simulator, the reference system, the relay)
    ("spec",),  # the ePROM contract
    ("config",),  # the target: model, reader, safety refusals
    ("recorder",),  # exchanges: the store, the one recording transport, commands, the relay
    ("deadline",),  # the run's clock, which every wait consults
    ("session", "selection", "system", "stimuli", "simulator", "reference"),  # what the kit sends and serves
    ("checks", "evidence", "retention", "doctor", "console"),  # judging, the bundle, housekeeping
    ("direct", "scenarios"),  # exchanges played toward ePROM or the system, and recorded sessions judged
    ("runner",),  # one session: the safety gate, the cases as a pytest run, the bundle
    ("pytest_items",),  # the plugin's siblings: what they share, then one concern each
    ("pytest_deadline", "pytest_evidence", "pytest_progress", "pytest_redaction"),
    ("pytest_summary",),
    ("commands", "pytest_plugin"),  # one module per subcommand; the plugin
    ("cli",),  # argparse, then a command
)
# What talks to the network, a database or another process; checks/ judges recorded exchanges only.
IO_MODULES = frozenset({"socket", "sqlite3", "httpx", "subprocess", "asyncio", "ssl", "http", "urllib.request",
                        "uvicorn", "starlette", "requests"})
IO_NAMES = frozenset({"SessionStore"})  # the store: reading it is a SQLite query


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules (of ``modules``) and the external names ``path`` imports, resolved as Python would."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # ``from . import x`` imports the submodule x, not the package
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports, and the outside modules (full dotted names)."""
    paths = {_module_name(path): path for path in root.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) - {name} for name, path in paths.items()}


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _layer(module_area: str) -> int | None:
    return next((index for index, areas in enumerate(LAYERS) if module_area in areas), None)


def upward_imports(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every import of an area of the same or a higher layer, and every area without a layer."""
    found = []
    for module, imported in sorted(graph.items()):
        own = _layer(area(module))
        if own is None:
            found.append(f"{module}: area {area(module)!r} has no layer; add it to LAYERS")
            continue
        for target in sorted(imported):
            if not target.startswith("verification") or area(target) == area(module):
                continue
            other = _layer(area(target))
            if other is None or other >= own:
                found.append(f"{module} imports {target} ({area(module)} may only import lower layers)")
    return found


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected sets of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def io_in_checks(graph: Mapping[str, Iterable[str]], sources: Mapping[str, str]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        if area(module) != "checks":
            continue
        for target in sorted(imported):
            if target in IO_MODULES or target.split(".")[0] in IO_MODULES:
                found.append(f"{module} imports {target}")
        for name in sorted(IO_NAMES):
            if name in sources.get(module, ""):
                found.append(f"{module} uses {name}")
    return found


def simulator_imports_checks(graph: Mapping[str, Iterable[str]]) -> list[str]:
    return [f"{module} imports {target}" for module, imported in sorted(graph.items()) if area(module) == "simulator"
            for target in sorted(imported) if area(target) == "checks" and target.startswith("verification")]


# -- the package as it is


GRAPH = import_graph()


def test_no_import_cycle() -> None:
    assert import_cycles(GRAPH) == []


def test_no_upward_import() -> None:
    assert upward_imports(GRAPH) == []


def test_checks_do_no_io() -> None:
    sources = {_module_name(path): path.read_text(encoding="utf-8") for path in (PACKAGE / "checks").rglob("*.py")}
    assert io_in_checks(GRAPH, sources) == []


def test_simulator_never_imports_checks() -> None:
    assert simulator_imports_checks(GRAPH) == []


def test_every_area_has_a_layer_once() -> None:
    listed = [name for areas in LAYERS for name in areas]
    assert len(listed) == len(set(listed))
    assert {area(module) for module in GRAPH} <= set(listed)


# -- each rule fails on the violations issue 14 listed (synthetic graphs)


@pytest.mark.parametrize(("module", "target"), [
    ("verification.recorder.relay", "verification.checks.outbound"),
    ("verification.recorder.relay_command", "verification.runner"),
    ("verification.stimuli.plans", "verification.checks.round_trip"),
    ("verification.stimuli.plans", "verification.scenarios.sender"),
    ("verification.evidence.bundle", "verification.scenarios.recorded"),
    ("verification.spec.payloads", "verification.config"),
    ("verification.errors", "verification.spec"),
    ("verification.checks.fuzz", "verification.evidence"),  # same layer is not below
    ("verification.checks.sender", "verification.scenarios.sender"),
    ("verification.direct.client", "verification.scenarios.sender"),
    ("verification.runner", "verification.commands.demo"),
])
def test_an_upward_import_is_found(module: str, target: str) -> None:
    assert upward_imports({module: {target}}) == [
        f"{module} imports {target} ({area(module)} may only import lower layers)"]


def test_a_module_outside_every_layer_is_found() -> None:
    assert upward_imports({"verification.newthing": set()}) == [
        "verification.newthing: area 'newthing' has no layer; add it to LAYERS"]


@pytest.mark.parametrize("pair", [
    ("verification.config", "verification._target_reader"),
    ("verification.evidence.bundle", "verification.evidence.commands"),
])
def test_a_cycle_is_found(pair: tuple[str, str]) -> None:
    first, second = pair
    assert import_cycles({first: {second}, second: {first}}) == [sorted(pair)]
    assert import_cycles({first: {second}, second: set()}) == []


def test_io_in_checks_is_found() -> None:
    graph = {"verification.checks.round_trip": {"sqlite3", "verification.recorder.store"},
             "verification.checks.sender": {"httpx"}, "verification.simulator.app": {"socket"}}
    sources = {"verification.checks.round_trip": "def f(store: SessionStore): ..."}
    assert io_in_checks(graph, sources) == [
        "verification.checks.round_trip imports sqlite3",
        "verification.checks.round_trip uses SessionStore",
        "verification.checks.sender imports httpx",
    ]


def test_simulator_importing_checks_is_found() -> None:
    graph = {"verification.simulator.routing": {"verification.checks.outbound", "verification.spec.routes"}}
    assert simulator_imports_checks(graph) == ["verification.simulator.routing imports verification.checks.outbound"]


def test_the_graph_sees_imports_inside_functions() -> None:
    assert "verification.runner" in GRAPH["verification.commands.run"]  # imported lazily in the command


def test_cli_is_argparse_only() -> None:
    # the commands are in verification/commands/, one module each, imported by name when chosen
    from verification.cli import COMMANDS

    assert {target for target in GRAPH["verification.cli"] if target.startswith("verification")} == {
        "verification.errors"}
    assert {f"verification.commands.{module}" for module in COMMANDS.values()} <= set(GRAPH)
