"""A small AST mutator for the mutation bench: one-change mutants of a Python module, deterministic.

Each mutation point is a node of the module's AST (in ``ast.walk`` order) and one operator applied to it;
the mutant is the whole module unparsed with that single change (``ast.unparse``: comments go, meaning
stays). Operators, each the change a plausible slip in an ordering system would make:

- ``compare``: ``==``↔``!=``, ``<``↔``<=``, ``>``↔``>=``, ``is``↔``is not``, ``in``↔``not in``;
- ``negate-if``: the test of an ``if``, ``while`` or conditional expression becomes ``not (…)``;
- ``drop-not``: ``not x`` becomes ``x``;
- ``and-or``: ``and``↔``or``;
- ``constant``: ``True``↔``False``, an HTTP status to another (200→500, 4xx→200), another int n→n+1,
  ``None`` in a return or an argument left alone;
- ``return-none``: ``return x`` becomes ``return None``;
- ``delete-call``: a statement that is only a call (or an ``await``) becomes ``pass``;
- ``drop-key``: one key of a dict literal goes;
- ``arith``: ``+``↔``-``.

``lines`` limits the points to nodes starting on those lines (the lines the correct design executes);
``skip`` drops nodes whose own part it matches (a conditional's test, any other node's subtree), e.g. the
switches of the named faulty variants.
"""

from __future__ import annotations

import ast
import copy
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

__all__ = ["Mutant", "mutants", "sample", "mentions_name"]

_COMPARE_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
_ANNOTATION_FIELDS = {"annotation", "returns", "type_comment"}


@dataclass(frozen=True)
class Mutant:
    """One single-change variant of a module."""

    id: str  # "<module stem>-<nnn>", stable for a given source and line set
    path: str  # the module's path as given
    line: int
    operator: str
    change: str  # what became what, in source terms
    source: str  # the whole mutated module


def mentions_name(*names: str) -> Callable[[ast.AST], bool]:
    """A ``skip`` predicate: the node's subtree names one of ``names`` (as a variable or an attribute)."""
    wanted = set(names)

    def matches(node: ast.AST) -> bool:
        return any((isinstance(n, ast.Name) and n.id in wanted) or (isinstance(n, ast.Attribute) and n.attr in wanted)
                   for n in ast.walk(node))

    return matches


def _code_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without annotations and docstrings: neither is behaviour."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop(0)
        yield node
        for name, value in ast.iter_fields(node):
            if name in _ANNOTATION_FIELDS:
                continue
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                if name == "body" and index == 0 and _is_docstring(child):
                    continue
                pending.append(child)


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _status_swap(value: int) -> int:
    return 500 if value == 200 else 200 if 400 <= value < 600 else value + 1


# Each operator: (name, applies to node?, mutate in place → change text). Mutation happens on a fresh parse.
def _compare(node: ast.AST) -> str | None:
    if isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARE_FLIPS:
        before = ast.unparse(node)
        node.ops[0] = _COMPARE_FLIPS[type(node.ops[0])]()
        return f"{before} → {ast.unparse(node)}"
    return None


def _negate_if(node: ast.AST) -> str | None:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        before = ast.unparse(node.test)
        node.test = ast.UnaryOp(ast.Not(), node.test)
        return f"{before} → not ({before})"
    return None


def _drop_not(node: ast.AST) -> str | ast.AST | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return node.operand  # the node itself is replaced by its operand
    return None


def _and_or(node: ast.AST) -> str | None:
    if isinstance(node, ast.BoolOp):
        before = ast.unparse(node)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return f"{before} → {ast.unparse(node)}"
    return None


def _constant(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Constant):
        return None
    value = node.value
    if isinstance(value, bool):
        node.value = not value
    elif isinstance(value, int):
        node.value = _status_swap(value) if 100 <= value < 600 else value + 1
    else:
        return None
    return f"{value!r} → {node.value!r}"


def _return_none(node: ast.AST) -> str | None:
    if isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        before = ast.unparse(node)
        node.value = ast.Constant(None)
        return f"{before} → return None"
    return None


def _delete_call(node: ast.AST) -> str | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
        before = ast.unparse(node)
        node.value = ast.Constant(None)  # `None` as a statement: the call is gone, the block stays valid
        return f"{before} → (deleted)"
    return None


def _arith(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        if isinstance(node.op, ast.Add) and _is_text(node):
            return None  # string concatenation: "-" would not even run
        before = ast.unparse(node)
        node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        return f"{before} → {ast.unparse(node)}"
    return None


def _is_text(node: ast.BinOp) -> bool:
    return any(isinstance(side, (ast.JoinedStr, ast.List, ast.Tuple)) or
               (isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes)))
               for side in (node.left, node.right))


_SIMPLE_OPERATORS: list[tuple[str, Callable[[ast.AST], str | ast.AST | None]]] = [
    ("compare", _compare), ("negate-if", _negate_if), ("drop-not", _drop_not), ("and-or", _and_or),
    ("constant", _constant), ("return-none", _return_none), ("delete-call", _delete_call), ("arith", _arith),
]


def _points(tree: ast.AST, lines: set[int] | None, skip: Callable[[ast.AST], bool] | None
            ) -> Iterator[tuple[int, str, int]]:
    """(node index, operator, sub-choice) of every mutation point, in a fixed order."""
    for index, node in enumerate(_code_nodes(tree)):
        line = getattr(node, "lineno", None)
        if line is None or (lines is not None and line not in lines) or (skip is not None and skip(_own_part(node))):
            continue
        for name, operator in _SIMPLE_OPERATORS:
            probe = _fresh_copy(node)
            if operator(probe) is not None:
                yield index, name, 0
        if isinstance(node, ast.Dict):
            for key_index, key in enumerate(node.keys):
                if key is not None:
                    yield index, "drop-key", key_index


def _own_part(node: ast.AST) -> ast.AST:
    """What a mutation of ``node`` itself touches: a conditional's test (its branches are nodes of their own)."""
    return node.test if isinstance(node, (ast.If, ast.While, ast.IfExp)) else node


def _fresh_copy(node: ast.AST) -> ast.AST:
    return copy.deepcopy(node)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[id(item) for item in value].index(id(old))] = new
                return


def _apply(source: str, index: int, operator: str, choice: int) -> tuple[str, int, str]:
    tree = ast.parse(source)
    node = next(n for i, n in enumerate(_code_nodes(tree)) if i == index)
    line = node.lineno  # type: ignore[attr-defined]
    if operator == "drop-key":
        assert isinstance(node, ast.Dict)
        key = ast.unparse(node.keys[choice])  # type: ignore[arg-type]
        del node.keys[choice], node.values[choice]
        change = f"drops key {key}"
    else:
        before = ast.unparse(node)
        outcome = dict(_SIMPLE_OPERATORS)[operator](node)
        if isinstance(outcome, ast.AST):
            _replace(tree, node, outcome)
            change = f"{before} → {ast.unparse(outcome)}"
        else:
            change = outcome or ""
    mutated = ast.unparse(ast.fix_missing_locations(tree))
    return mutated, line, change


def mutants(source: str, *, path: str, stem: str, lines: set[int] | None = None,
            skip: Callable[[ast.AST], bool] | None = None) -> list[Mutant]:
    """Every single-change mutant of ``source`` that compiles and differs from the original's meaning text."""
    original = ast.unparse(ast.parse(source))
    found: list[Mutant] = []
    seen: set[str] = set()
    for index, operator, choice in _points(ast.parse(source), lines, skip):
        mutated, line, change = _apply(source, index, operator, choice)
        if mutated == original or mutated in seen:
            continue
        try:
            compile(mutated, path, "exec")
        except SyntaxError:
            continue
        seen.add(mutated)
        found.append(Mutant(f"{stem}-{len(found) + 1:03d}", path, line, operator, change, mutated))
    return found


def sample(every: Sequence[Mutant], size: int | None, seed: int) -> list[Mutant]:
    """``size`` mutants drawn with ``seed`` (all of them when ``size`` is None or larger), in id order."""
    chosen = list(every) if size is None or size >= len(every) else random.Random(seed).sample(list(every), size)
    return sorted(chosen, key=lambda m: (m.path, int(m.id.rsplit("-", 1)[1])))
