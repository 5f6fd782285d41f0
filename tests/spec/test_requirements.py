"""The requirement register against the code and the guide: every assertion has an entry, every entry an
assertion, every MUST a quote found verbatim on its upstream line, every feed a checklist item its check proves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from verification.spec.checklist import item
from verification.spec.requirements import REQUIREMENT_ID, load_requirements, owner_of, read_requirements

ROOT = Path(__file__).resolve().parents[2]
# The guide's pages, vendored byte for byte (their README names the source and commits), so that every quote is
# checked in CI's clean clone too; SHARED, where ../shared/spec/upstream sits next to the checkout, must equal them.
UPSTREAM = Path(__file__).resolve().parent / "upstream"
SHARED = next((base / "shared" / "spec" / "upstream" for base in (ROOT.parent, ROOT.parent.parent)
               if (base / "shared" / "spec" / "upstream").is_dir()), None)
# Where assertions are made, and where the requirement IDs of shared check helpers are passed in.
ASSERTING = sorted((ROOT / "verification" / "checks").glob("*.py")) + [ROOT / "verification" / "scenarios" / "recorded.py"]
NAMING = ASSERTING + sorted((ROOT / "cases").glob("*.py"))


def _trees(paths: list[Path]) -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in paths]


def _named_ids() -> dict[str, str]:
    """Every string literal in the code that is a requirement ID of a check (``R-AUTH.1``), with where."""
    found = {}
    for path, tree in _trees(NAMING):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and REQUIREMENT_ID.fullmatch(node.value):
                owner = owner_of(node.value)
                if owner == "V0" or item(owner).is_check:  # S-SIGN.3 is a checklist item, not a requirement
                    found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _assertion_calls() -> list[tuple[str, ast.Call]]:
    """Every ``<collector>.check(...)`` call in the check modules."""
    calls = []
    for path, tree in _trees(ASSERTING):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check":
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def test_every_requirement_the_code_names_has_an_entry():
    register = load_requirements()
    missing = {rid: where for rid, where in _named_ids().items() if rid not in register}
    assert not missing, f"assertions without an entry in spec/checklist.yaml (requirements of its check): {missing}"


def test_every_entry_is_used_by_the_code():
    unused = sorted(set(load_requirements()) - set(_named_ids()))
    assert not unused, f"requirements in spec/checklist.yaml no check uses (retire them): {unused}"


def test_every_assertion_names_its_requirement_first():
    """A literal ID, or a value handed in by the caller (a shared helper), whose literals the scan above sees."""
    assert _assertion_calls(), "the scan found no assertion at all"
    for where, call in _assertion_calls():
        assert call.args, f"{where}: an assertion without a requirement ID"
        first = call.args[0]
        if isinstance(first, ast.Constant):
            assert first.value in load_requirements(), f"{where}: {first.value!r} has no entry"
        else:
            assert isinstance(first, ast.Name | ast.Subscript | ast.IfExp), f"{where}: requirement not an ID"


@pytest.mark.parametrize("name", ["require", "advise", "add"])
def test_no_other_assertion_path_is_left(name):
    """Deviations are only recorded through ``check`` (the old require/advise/add chose severity at the call)."""
    from verification.checks.failure import Deviations

    assert not hasattr(Deviations, name)
    for path, tree in _trees(ASSERTING):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and path.name != "failure.py":
                assert node.func.id not in ("Deviation", "CheckFailure"), \
                    f"{path.name}:{node.lineno}: a deviation made outside Deviations.check"


def test_the_guide_is_cited_only_by_the_register():
    """"the guide requires" is written once, over a MUST's quote, never by hand in a check."""
    for path, tree in _trees(ASSERTING):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert "the guide requires" not in node.value.lower(), f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("entry", list(load_requirements().values()), ids=lambda entry: entry.id)
def test_entry_is_sound(entry):
    owner = entry.owner
    proves = ("V0",) if owner == "V0" else item(owner).proves
    assert owner == "V0" or item(owner).is_check
    assert set(entry.feeds) <= set(proves), f"{entry.id} feeds items its check {owner} does not prove"
    if entry.severity != "MUST":
        assert not entry.quote and not entry.source
        return
    page, line = entry.source.rsplit(":", 1)
    lines = (UPSTREAM / page).read_text(encoding="utf-8").splitlines()
    assert entry.quote in lines[int(line) - 1], f"{entry.id}: the quote is not on {entry.source}"
    assert entry.commit[:7] == ("4f5f5c0" if page.endswith(".HEAD.md") else "5567066")


def test_severity_comes_from_the_register(tmp_path):
    """The same call fails on a MUST and only advises on a SHOULD: the call site cannot choose."""
    from verification.checks.failure import Deviations

    must, should = Deviations("R-MALFORMED"), Deviations("R-MALFORMED")
    must.check("R-MALFORMED.1", False, "reply", "HTTP 500", "no 5xx")
    should.check("R-MALFORMED.2", False, "probe", "1 → 2", "nothing stored")
    assert must.found and not must.advice and "the guide requires «" in must.found[0].expected
    assert should.advice and not should.found and should.advice[0].expected.startswith("eprom-verify recommends")
    with pytest.raises(ValueError, match="belongs to R-AUTH"):
        Deviations("R-MALFORMED").check("R-AUTH.1", True, "f", None, "x")
    with pytest.raises(KeyError, match="no requirement 'R-MALFORMED.99'"):
        must.check("R-MALFORMED.99", True, "f", None, "x")


def test_a_must_without_a_quote_is_refused(tmp_path):
    bad = tmp_path / "checklist.yaml"
    bad.write_text("requirement_commits: {primary: abc}\nitems:\n- id: R-AUTH\n  requirements:\n"
                   "  - {id: R-AUTH.1, severity: MUST, rule: x, feeds: []}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a MUST quotes the guide"):
        read_requirements(bad)


def test_the_vendored_guide_pages_are_the_upstream_ones():
    if SHARED is None:
        pytest.skip("../shared/spec/upstream is not next to this checkout (CI's clean clone): nothing to compare")
    for page in sorted(SHARED.glob("*.md")):
        assert (UPSTREAM / page.name).read_bytes() == page.read_bytes(), f"tests/spec/upstream/{page.name} drifted"
