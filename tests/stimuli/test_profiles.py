"""The hypothesis profiles: registered in one place, chosen CLI > target file > quick."""

from __future__ import annotations

import pytest
from hypothesis import Phase

from verification.stimuli.profiles import DEFAULT_PROFILE, describe, profile_settings, resolve_profile


@pytest.mark.parametrize(
    ("command_line", "target_file", "expected"),
    [
        (None, None, DEFAULT_PROFILE),
        (None, "certification", "certification"),
        ("quick", "certification", "quick"),
        ("certification", None, "certification"),
    ],
)
def test_the_command_line_beats_the_target_file_beats_the_default(command_line, target_file, expected):
    assert resolve_profile(command_line, target_file) == expected


def test_an_unknown_profile_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="quick, certification"):
        resolve_profile("thorough")


def test_both_profiles_are_reproducible_and_certification_runs_more_examples():
    quick, certification = profile_settings("quick"), profile_settings("certification")
    for chosen in (quick, certification):
        assert chosen.derandomize and chosen.database is None and chosen.deadline is None and chosen.print_blob
    assert certification.max_examples > 4 * quick.max_examples
    assert Phase.explain not in quick.phases


def test_describe_gives_a_reviewer_what_reproduces_the_run():
    record = describe("certification", seed=1234)
    assert record["profile"] == "certification" and record["seed"] == 1234 and record["derandomize"] is True
    assert record["database"] is None and record["hypothesis_version"]
