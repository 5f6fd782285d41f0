"""The report in a real headless browser (Debian's chromium): the summary (verdict, failures, a bar per
area, the session facts) is the first screen with the matrix right below, every checklist ID is in the
matrix, nothing is fetched from outside, no horizontal scroll at 1280 px. Screenshots of a passing and a
failing bundle go to the tests' artifacts ($EPROM_VERIFY_TEST_ARTIFACTS, default tests/artifacts/).
Skipped, saying why, without chromium."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from evidence_support import SyntheticSession, write

from verification.spec.checklist import checklist_items

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 900)
TIMEOUT_S = 90
ARTIFACTS = Path(os.environ.get("EPROM_VERIFY_TEST_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (apt-get install -y chromium); the browser check needs it",
)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-extensions", f"--window-size={WINDOW[0]},{WINDOW[1]}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)


class Outline(HTMLParser):
    """Section ids in order, matrix rows (id, status) and every external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.rows: list[tuple[str, str]] = []
        self.external: list[str] = []
        self.body: dict[str, str] = {}
        self._in_matrix = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "body":
            self.body = attributes
        if tag == "section":
            self.sections.append(attributes.get("id", ""))
            self._in_matrix = attributes.get("id") == "checklist-matrix"
        if tag == "tr" and self._in_matrix and attributes.get("id", "").startswith("item-"):
            self.rows.append((attributes["id"].removeprefix("item-"), attributes.get("data-status", "")))
        for name in ("src", "href"):
            value = attributes.get(name, "")
            if tag in ("link", "script", "img", "iframe") and re.match(r"(https?:)?//", value):
                self.external.append(value)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from evidence_support import make_session

    session: SyntheticSession = make_session(tmp_path_factory.mktemp("browser"))
    return write(session).bundle_dir / "report.html"


def test_the_browser_renders_the_matrix_first_with_every_checklist_id(report: Path) -> None:
    done = chromium("--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    outline = Outline()
    outline.feed(done.stdout)
    assert outline.sections[:4] == ["glance", "checklist-matrix", "guide-checks", "failures"]
    assert [item_id for item_id, _ in outline.rows] == [entry.id for entry in checklist_items()]
    assert dict(outline.rows)["V2.2"] == "pending attestation"
    assert outline.external == []


def test_the_summary_is_the_first_screen_and_nothing_scrolls_sideways(report: Path, tmp_path: Path) -> None:
    # A copy with a probe script (the report itself has none) that writes the layout into the DOM.
    probe = ("<script>const g=document.getElementById('glance').getBoundingClientRect();"
             "const m=document.getElementById('matrix').getBoundingClientRect();"
             "document.body.dataset.glanceBottom=Math.round(g.bottom);document.body.dataset.matrixTop="
             "Math.round(m.top);document.body.dataset.viewport=window.innerHeight;"
             "document.body.dataset.scrollWidth=document.documentElement.scrollWidth;"
             "document.body.dataset.width=window.innerWidth;</script>")
    page = tmp_path / "probe.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
    done = chromium("--dump-dom", page.as_uri())
    outline = Outline()
    outline.feed(done.stdout)
    viewport = int(outline.body["data-viewport"])
    assert int(outline.body["data-glance-bottom"]) < viewport, "verdict, failures, bars and facts at a glance"
    assert int(outline.body["data-matrix-top"]) < viewport, "the matrix starts on the first screen"
    assert int(outline.body["data-scroll-width"]) <= int(outline.body["data-width"]) <= WINDOW[0]


@pytest.mark.parametrize("verdict", ["failing", "passing"])
def test_a_screenshot_of_the_first_screen(verdict: str, report: Path, tmp_path: Path) -> None:
    if verdict == "passing":
        from evidence_support import make_session

        session = make_session(tmp_path)
        session.outcomes = [o for o in session.outcomes if o.outcome != "failed"]
        report = write(session).bundle_dir / "report.html"
        assert "<p id=failed-count>Nothing failed.</p>" in report.read_text(encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{verdict}-1280.png"
    done = chromium(f"--screenshot={shot}", "--hide-scrollbars", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a rendered page, not a blank one
