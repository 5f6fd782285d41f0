"""What the plugin's modules share: the IDs a case proves, and the keys of what they keep in pytest's stash."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .evidence.redact import Redactor

__all__ = ["case_ids", "judges_whole_session", "could_not_start_key", "counts_key", "drift_key",
           "terminal_redactor_key"]

drift_key = pytest.StashKey[list]()  # drift found in ePROM's answers (direct mode), for the summary
counts_key = pytest.StashKey[dict]()  # a property-based case's hypothesis numbers (example_counts)
could_not_start_key = pytest.StashKey[bool]()  # the run stopped before it could verify anything: no bundle
terminal_redactor_key = pytest.StashKey["Redactor | None"]()  # what the run prints goes through it


def case_ids(item: pytest.Item) -> set[str]:
    """The checklist/catalogue IDs an item names, through ``@pytest.mark.eprom`` markers."""
    return {str(arg) for mark in item.iter_markers("eprom") for arg in mark.args}


def judges_whole_session(item: pytest.Item) -> bool:
    """``@pytest.mark.eprom(..., whole_session=True)``: the case judges everything the session recorded."""
    return any(mark.kwargs.get("whole_session") for mark in item.iter_markers("eprom"))

