"""The checklist data file: complete against the documents, validated on load, rendered in full."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from verification.spec import checklist
from verification.spec.checklist import ChecklistError, ChecklistItem, parse_checklist, read_checklist

REPO = Path(__file__).resolve().parents[2]

# Copied from spec/EPROM_API.md section 6 (the shared folder may be absent in CI).
SPEC_SECTION_6_IDS = (
    "V0",
    "V1.1", "V1.2", "V1.3", "V1.4",
    "V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "V2.6", "V2.7",
    "V3.1", "V3.2",
    "S-ONBEHALF", "S-ONBEHALF.1", "S-ONBEHALF.2", "S-ONBEHALF.3",
    "S-SIGN", "S-SIGN.1", "S-SIGN.2", "S-SIGN.3",
)  # fmt: skip

# Copied from CHECKS.md, with the "proves" column: the catalogue the register started from. Its entries stay
# (IDs are frozen) and prove what it says; a check added since (CONTRIBUTING.md) is one more entry of the
# register and needs no line here. Where the column names no item ("security",
# "capability …", "Normen") the entry proves the BR rules it enforces; "V1–V3" is V1.x and V3.x.
CATALOGUE_PROVES = {
    "R-STATUS-ORDERED": ("V1.2", "V1.3"),
    "R-STATUS-ERROR": ("V1.2",),
    "R-STATUS-OTHER": ("V1.2",),
    "R-RETURN-COMPLETED": ("V3.1",),
    "R-RETURN-EXPIRED": ("V3.1",),
    "R-RETURN-PAPER": ("V3.1",),
    "R-RETURN-SIGNED": ("S-SIGN.3",),
    "R-PATIENT-INITIATED": ("V3.1",),
    "R-ENUM-FORMS": ("V1.2", "V3.1"),
    "R-TIMESTAMPS": ("V3.1",),
    "R-FORWARD-COMPAT": ("V1.2", "V3.1"),
    "R-IDEMPOTENT": ("V1.4", "V3.2"),
    "R-CONCURRENT": ("V1.4", "V3.2"),
    "R-ORDERING": ("V3.2",),
    "R-AUTH": ("BR-23",),
    "R-UNKNOWN-ORDER": (),
    "R-MALFORMED": ("V1.4",),
    "R-RESPONSE-SHAPE": ("V1.2", "V3.1"),
    "R-LATENCY": ("V1.4",),
    "R-ROUTES": ("V1.2",),
    "R-NO-LEAK": (),
    "R-MESSAGE-STATUS": ("BR-20", "BR-21"),
    "R-PVK": ("BR-23", "BR-27"),
    "R-TRANSPORT": ("BR-20",),
    "S-ORDER-SENT": ("V1.1",),
    "S-AUTH-HEADER": ("V1.1",),
    "S-CONTENT-TYPE": ("V1.1",),
    "S-ORDER-BODY": ("V1.1", "V2.4", "V2.6"),
    "S-ORDER-RULES": ("S-SIGN.1", "S-ONBEHALF.3"),
    "S-NO-DUPLICATE-ORDER": ("V1.4",),
    "S-ROUND-TRIP": ("V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2"),
    "S-SIGNED-DOWNLOAD": ("S-SIGN.3",),
    "S-ERROR-HANDLING": ("V1.1",),
    "S-MESSAGE": ("BR-25",),
    "S-SMS-EMAIL": ("BR-01", "BR-26"),
    "S-PERSONVERN": ("BR-01", "BR-27"),
    "S-TEST-DATA": (),
    "P-API-KEY": ("V1.1",),
    "P-FORMS": ("V1.1",),
    "P-FORM-CAPS": ("S-SIGN.1",),
    "P-DOCUMENTED-ERRORS": ("V1.1",),
}

# CHECKS.md section H: the human items.
HUMAN_ITEMS = (
    "V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "V2.6", "V2.7",
    "S-ONBEHALF.1", "S-ONBEHALF.2", "S-ONBEHALF.3", "S-SIGN.2",
)  # fmt: skip


# --- completeness ----------------------------------------------------------------------------------------


def _in_order(wanted, ids) -> bool:
    """Every ID of ``wanted`` is in ``ids``, in the same order (others may stand between them)."""
    rest = iter(ids)
    return all(any(found == one for found in rest) for one in wanted)


def test_every_document_id_has_an_entry_and_every_other_entry_is_a_check():
    ids = [entry.id for entry in checklist.load_checklist()]
    assert ids[: len(SPEC_SECTION_6_IDS)] == list(SPEC_SECTION_6_IDS)
    assert _in_order(CATALOGUE_PROVES, ids) and len(ids) == len(set(ids))
    assert [entry.id for entry in checklist.checklist_items()] == list(SPEC_SECTION_6_IDS)
    assert [entry.id for entry in checklist.catalogue_checks()] == ids[len(SPEC_SECTION_6_IDS):]


def test_in_order_finds_a_missing_or_moved_entry():
    assert _in_order(("A", "C"), ["A", "B", "C"])
    assert not _in_order(("A", "C"), ["A", "B"])
    assert not _in_order(("A", "C"), ["C", "A"])


def test_checks_prove_what_the_catalogue_says():
    proves = {entry.id: entry.proves for entry in checklist.catalogue_checks()}
    assert {check_id: proves.get(check_id) for check_id in CATALOGUE_PROVES} == CATALOGUE_PROVES
    known = set(SPEC_SECTION_6_IDS)
    for check_id, proved in proves.items():  # a newer check proves checklist items or BR rules only
        assert all(i in known or i.startswith("BR-") for i in proved), check_id


def test_check_areas_follow_the_catalogue_sections():
    areas = {"R": "receiver", "S": "sender", "P": "eprom"}
    for entry in checklist.catalogue_checks():
        assert entry.area == areas[entry.id[0]], entry.id


def test_human_items_are_verified_by_a_human():
    for item_id in HUMAN_ITEMS:
        assert "human" in checklist.item(item_id).verified_by, item_id
    assert set(checklist.item("V2.4").verified_by) == {"human", "simulator"}
    assert checklist.item("S-SIGN.2").verified_by == ("human",)


def test_split_items_name_their_parent():
    for parent in ("S-ONBEHALF", "S-SIGN"):
        for n in (1, 2, 3):
            assert checklist.item(f"{parent}.{n}").parent == parent


def test_a_check_quotes_the_norwegian_lines_of_the_items_it_proves():
    for entry in checklist.catalogue_checks():
        proved = [checklist.item(i) for i in entry.proves if not i.startswith("BR-")]
        if proved:
            assert entry.requirement_no == "\n".join(p.requirement_no for p in proved), entry.id
            assert entry.requirement_en == "\n".join(p.requirement_en for p in proved), entry.id


def test_checklist_items_quote_the_guide():
    assert checklist.item("V1.1").requirement_no == "verifiser at bestilling blir sendt til ePROM uten feilmelding"
    assert checklist.item("V2.4").requirement_no == "verifiser at ev metadata fungerer etter hensikten"
    assert checklist.item("S-SIGN.3").requirement_no.startswith("_signering:_ verifiser at skjema blir bestilt")


def test_capability_bound_checks_name_their_capability():
    assert checklist.item("R-PVK").capability == ("personvern",)
    assert checklist.item("S-SMS-EMAIL").capability == ("sms", "email")
    assert checklist.item("S-SIGN.1").capability == ("signing",)
    assert checklist.item("R-STATUS-ORDERED").capability == ()


# --- lookup ----------------------------------------------------------------------------------------------


def test_item_returns_the_entry():
    entry = checklist.item("R-STATUS-ORDERED")
    assert isinstance(entry, ChecklistItem)
    assert entry.kind == "check" and entry.stimulus and entry.pass_criterion


def test_item_with_unknown_id_raises_a_key_error_naming_it():
    with pytest.raises(KeyError, match="'V9.9'"):
        checklist.item("V9.9")


def test_the_file_is_loaded_once():
    assert checklist.load_checklist() is checklist.load_checklist()


def test_importing_the_module_reads_nothing_and_skips_yaml():
    code = "import sys, verification.spec.checklist as c; assert 'yaml' not in sys.modules; c.load_checklist()"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=30)


def test_ids_without_cases_keeps_checklist_order():
    remaining = checklist.ids_without_cases({"V1.1", "R-AUTH"})
    assert "V1.1" not in remaining and "R-AUTH" not in remaining
    assert remaining[:2] == ["V0", "V1.2"]
    assert len(remaining) == len(checklist.load_checklist()) - 2


# --- validation on load ----------------------------------------------------------------------------------


def _valid_entries() -> list[dict]:
    return [
        {
            "id": "V1.1",
            "kind": "checklist",
            "area": "1) Bestilling av skjema",
            "title": "Order reaches ePROM",
            "requirement_no": "verifiser at bestilling blir sendt til ePROM uten feilmelding",
            "requirement_en": "The order reaches ePROM.",
            "verified_by": "simulator",
            "spec_ref": "6",
        },
        {
            "id": "S-ORDER-SENT",
            "kind": "check",
            "area": "sender",
            "title": "Order sent",
            "requirement_no": "verifiser at bestilling blir sendt til ePROM uten feilmelding",
            "requirement_en": "The order reaches ePROM.",
            "verified_by": ["simulator"],
            "proves": ["V1.1"],
            "stimulus": "trigger an order",
            "pass": "one E1",
            "spec_ref": "E1",
        },
    ]


def _write(tmp_path: Path, entries) -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(yaml.safe_dump({"items": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path):
    items = read_checklist(_write(tmp_path, _valid_entries()))
    assert [entry.id for entry in items] == ["V1.1", "S-ORDER-SENT"]
    assert items[0].verified_by == ("simulator",)


def _set(index, field, value):
    def mutate(entries):
        entries[index][field] = value

    return mutate


def _drop(index, field):
    def mutate(entries):
        del entries[index][field]

    return mutate


def _duplicate_first(entries):
    entries.append(dict(entries[0]))


def _replace_second_with_list(entries):
    entries[1] = ["not", "a", "mapping"]


BROKEN_ENTRIES = [
    pytest.param(_drop(0, "title"), "'V1.1'", "title", id="missing-field"),
    pytest.param(_drop(1, "pass"), "'S-ORDER-SENT'", "pass", id="check-without-pass"),
    pytest.param(_set(0, "colour", "red"), "'V1.1'", "colour", id="unknown-key"),
    pytest.param(_set(1, "verified_by", ["simulator", "robot"]), "'S-ORDER-SENT'", "verified_by", id="bad-verified-by"),
    pytest.param(_set(0, "verified_by", []), "'V1.1'", "verified_by", id="empty-verified-by"),
    pytest.param(_set(1, "proves", ["V7.7"]), "'S-ORDER-SENT'", "proves", id="proves-unknown-item"),
    pytest.param(_set(1, "proves", ["S-ORDER-SENT"]), "'S-ORDER-SENT'", "proves", id="proves-a-check"),
    pytest.param(_set(1, "proves", []), "'S-ORDER-SENT'", "proves", id="proves-nothing-without-basis"),
    pytest.param(_set(0, "kind", "wish"), "'V1.1'", "kind", id="bad-kind"),
    pytest.param(_set(1, "area", "receiver"), "'S-ORDER-SENT'", "area", id="area-against-prefix"),
    pytest.param(_set(0, "area", "Somewhere"), "'V1.1'", "area", id="unknown-checklist-area"),
    pytest.param(_set(0, "stimulus", "x"), "'V1.1'", "stimulus", id="checklist-item-with-stimulus"),
    pytest.param(_set(0, "parent", "V9"), "'V1.1'", "parent", id="unknown-parent"),
    pytest.param(_set(0, "capability", "telepathy"), "'V1.1'", "capability", id="unknown-capability"),
    pytest.param(_set(0, "title", 42), "'V1.1'", "title", id="title-not-a-string"),
    pytest.param(_set(0, "requirement_no", ""), "'V1.1'", "requirement_no", id="checklist-without-norwegian"),
    pytest.param(_set(0, "id", "v1.1"), "'v1.1'", "id", id="malformed-checklist-id"),
    pytest.param(_duplicate_first, "'V1.1'", "id", id="duplicate-id"),
    pytest.param(_replace_second_with_list, "#2", "(entry)", id="entry-not-a-mapping"),
]


@pytest.mark.parametrize(("mutate", "entry", "field"), BROKEN_ENTRIES)
def test_a_malformed_entry_is_refused_naming_entry_and_field(tmp_path, mutate, entry, field):
    entries = _valid_entries()
    mutate(entries)
    with pytest.raises(ChecklistError) as caught:
        read_checklist(_write(tmp_path, entries))
    assert (caught.value.entry, caught.value.field) == (entry, field)
    assert entry in str(caught.value) and repr(field) in str(caught.value)


def test_an_entry_without_id_is_named_by_position(tmp_path):
    entries = _valid_entries()
    del entries[1]["id"]
    with pytest.raises(ChecklistError, match=r"entry #2, field 'id'"):
        read_checklist(_write(tmp_path, entries))


@pytest.mark.parametrize("text", ["items: [", "- just a list", "items: 3"], ids=["not-yaml", "no-mapping", "no-list"])
def test_a_malformed_file_is_refused(text):
    with pytest.raises(ChecklistError, match="checklist.yaml"):
        parse_checklist(text)


def test_a_proved_business_rule_needs_no_entry(tmp_path):
    entries = _valid_entries()
    entries[1]["proves"] = ["V1.1", "BR-01"]
    assert read_checklist(_write(tmp_path, entries))[1].proves == ("V1.1", "BR-01")


# --- rendering -------------------------------------------------------------------------------------------


def test_the_table_renders_every_id_with_its_norwegian_text():
    items = checklist.load_checklist()
    table = checklist.to_table(items)
    first_column = {line.split(" ", 1)[0] for line in table.splitlines()}
    assert {entry.id for entry in items} <= first_column
    assert "verifiser mottak av skjemasvar" in table
    assert "ePROM uten feilmelding" in table


def test_the_table_is_fixed_width():
    lines = checklist.to_table(checklist.load_checklist()).splitlines()
    separator = lines[1]
    assert all(len(line) <= len(separator) for line in lines)
    assert lines[0].startswith("ID")


def test_the_table_keeps_quoted_lines_apart():
    table = checklist.to_table([checklist.item("R-STATUS-ORDERED")])
    assert any(line.endswith("verifiser mottak av status på bestilling") for line in table.splitlines())


def test_json_renders_every_entry_in_the_files_vocabulary():
    items = checklist.load_checklist()
    data = json.loads(checklist.to_json(items))
    assert [entry["id"] for entry in data] == [entry.id for entry in items]
    check = next(entry for entry in data if entry["id"] == "R-STATUS-ORDERED")
    assert check["pass"].startswith("`success: true`") and check["proves"] == ["V1.2", "V1.3"]
    assert "pass" not in next(entry for entry in data if entry["id"] == "V1.2")


def test_json_keeps_norwegian_letters_readable():
    assert "på bestilling" in checklist.to_json([checklist.item("V1.2")])
