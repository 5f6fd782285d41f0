"""``report.html``: the evidence a reviewer reads, rendered from the (already redacted) evidence document.

Self-contained (inline CSS, screenshots as data URIs, no script, no external asset), so it opens the same
in a browser, a mail attachment or an archive years later. The first screen is the checklist matrix;
then the guide-wide checks, the failures with what was sent and what came back, the attestations, the
system under verification, Hypothesis, the cases and the transcript.

Why our own page rather than pytest-html's: pytest-html's page is built by a script from a JSON blob and
only lets plugins add a summary *after* its own header and environment table, while the reviewer needs
the checklist first; and ``eprom-verify judge`` must be able to rewrite the report from the session store
without re-running pytest. pytest-html's page stays in the bundle, redacted, as ``pytest-report.html``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .. import __version__
from .speclinks import spec_link

__all__ = ["render_report", "GENERATOR"]

GENERATOR = f"eprom-verify {__version__}"
FAILURE_BODY_LIMIT = 8_000
TRANSCRIPT_BODY_LIMIT = 1_500
STATUS_CLASS = {
    "passed": "st-passed",
    "failed": "st-failed",
    "waiting": "st-waiting",
    "pending attestation": "st-pending",
    "attested": "st-attested",
    "not applicable": "st-na",
    "not run": "st-notrun",
    "incomplete": "st-pending",  # the verdict of a session with items still open
}

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:12px 20px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{font-size:18px;margin:0 0 4px}header p{margin:2px 0;color:var(--muted)}
main{padding:8px 20px 40px}h2{font-size:16px;margin:20px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;width:100%;margin:4px 0 12px}
th,td{border:1px solid var(--line);padding:4px 6px;vertical-align:top;text-align:left}
th{background:var(--soft);font-weight:600}td.id{white-space:nowrap;font-weight:600}
.no{font-style:italic}.small{font-size:12px;color:var(--muted)}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;border:1px solid transparent}
.st-passed{background:#dafbe1;color:#116329}.st-failed{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.st-waiting{background:#fff8c5;color:#7d4e00}.st-pending{background:#fbefff;color:#6e3799;border-color:#d8b9ff}
.st-attested{background:#ddf4ff;color:#0a3069}.st-na{background:#eaeef2;color:#57606a}
.st-notrun{background:#fff;color:#57606a;border-color:#8c959f;border-style:dashed}
pre{background:var(--soft);border:1px solid var(--line);padding:6px;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:4px 0;font-size:12px}
details{margin:2px 0}summary{cursor:pointer}.failure{border-left:4px solid #cf222e;padding:2px 10px;margin:10px 0}
img.shot{max-width:480px;border:1px solid var(--line);margin:4px 4px 0 0}
a{color:#0969da}
table{table-layout:fixed}td,th{overflow-wrap:anywhere}summary,h3{overflow-wrap:anywhere}
#matrix col.id{width:7em}#matrix col.st{width:9.5em}#matrix col.how{width:8em}#matrix col.checks{width:10em}
.en{color:var(--muted);font-weight:400}
#glance{margin:8px 0 16px}#glance p{margin:6px 0}
.areas{width:100%;max-width:1100px}.areas td{border:none;padding:3px 6px}.areas td.name{width:18em}
.areas td.counts{width:26em;font-size:12px;color:var(--muted)}
.bar{display:flex;height:14px;border:1px solid var(--line);border-radius:3px;overflow:hidden;min-width:120px}
.bar span{display:block;height:100%}.bar .st-passed,.bar .st-attested{background:#2da44e}
.bar .st-failed{background:#cf222e}.bar .st-pending,.bar .st-waiting{background:#a475f9}
.bar .st-na{background:#d0d7de}.bar .st-notrun{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#d0d7de 3px,#d0d7de 6px)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px;margin:6px 0}
.facts dt{color:var(--muted)}.facts dd{margin:0}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _badge(status: str) -> str:
    return f'<span class="badge {STATUS_CLASS.get(status, "")}">{_e(status)}</span>'


def _markdown_light(text: str) -> str:
    """The guide's emphasis (``__x__``, ``_x_``) as HTML, everything else escaped; lines kept."""
    html = _e(text)
    html = re.sub(r"__(.+?)__", r"<strong>\1</strong>", html)
    html = re.sub(r"(?<![\w/])_(.+?)_(?![\w/])", r"<em>\1</em>", html)
    return html.replace("\n", "<br>")


def _link(ref: Mapping[str, str] | None) -> str:
    if not ref:
        return ""
    return f'<a href="{_e(ref["url"])}">{_e(ref["label"])}</a>'


def _id_links(ids: Iterable[str]) -> str:
    return ", ".join(f'<a href="#item-{_e(i)}">{_e(i)}</a>' for i in ids)


def _body(text: str | None, limit: int) -> str:
    text = text or ""
    if len(text) > limit:
        text = text[:limit] + f"\n… [{len(text) - limit} more characters in evidence.json]"
    return f"<pre>{_e(text) or '<span class=small>(empty)</span>'}</pre>"


def _headers(headers: Mapping[str, Any] | None) -> str:
    return "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())


# -- sections ------------------------------------------------------------------------------------------


def _header(ev: Mapping[str, Any]) -> str:
    system, session = ev.get("system", {}), ev.get("session", {})
    return (
        "<header>"
        f"<h1>ePROM-verifikasjon <span class=en>/ ePROM verification evidence</span>: {_e(system.get('name'))}</h1>"
        f"<p>Session {_e(session.get('id'))} · environment {_e(system.get('environment'))} · "
        f"ePROM {_e(ev.get('eprom', {}).get('mode'))} · generated {_e(ev.get('generated_at'))} · "
        f"operator {_e(session.get('operator'))} · {_e(GENERATOR)}</p>"
        f"{_cut_short(session.get('run') or {})}"
        "</header>"
    )


def _cut_short(run: Mapping[str, Any]) -> str:
    """A run that did not get through its cases says so above everything else."""
    if not run.get("cut_short"):
        return ""
    ended = "it ended early" if run.get("finished") else "it never finished (killed or crashed)"
    return (f"<p class=st-failed><strong>The run was cut short: {_e(run.get('never_ran'))} of "
            f"{_e(run.get('planned'))} cases never ran</strong> ({_e(ended)}).</p>")


# The bar's segments, in reading order: what is done, what is wrong, what is open, what does not apply.
_BAR_ORDER = ("passed", "attested", "failed", "waiting", "pending attestation", "not run", "not applicable")


def _glance(ev: Mapping[str, Any]) -> str:
    """The first screen: the verdict and its meaning, the failures as links, a bar per checklist area, the
    session facts."""
    items = list(ev.get("items", []))
    failed = [i for i in items if i["status"] == "failed"]
    links = ", ".join(f'<a href="#failure-{_e(i["id"])}">{_e(i["id"])}</a>' if i.get("failures")
                      else f'<a href="#item-{_e(i["id"])}">{_e(i["id"])}</a>' for i in failed)
    failed_line = (f'<p id=failed-count><strong>{len(failed)} failed</strong>: {links}</p>' if failed
                   else "<p id=failed-count>Nothing failed.</p>")
    session, system = ev.get("session", {}), ev.get("system", {})
    facts = [
        ("Økt / session", session.get("id")), ("System", system.get("name")),
        ("Miljø / environment", f"{system.get('environment')} · ePROM {ev.get('eprom', {}).get('mode')}"),
        ("Start / slutt", f"{session.get('started_at')} / {session.get('finished_at')}"),
        ("Operatør / operator", session.get("operator")), ("Profil / profile", session.get("profile") or "default"),
        ("Kit", f"eprom-verify {session.get('kit_version')}"),
    ]
    return (
        '<section id="glance"><h2>Sammendrag <span class=en>/ Summary</span></h2>'
        f"<p id=verdict>Verdict {_badge(ev.get('verdict', ''))} <span id=verdict-meaning>"
        f"{_e(ev.get('verdict_meaning'))}</span></p>"
        f"<p id=summary class=small>{_e(ev.get('summary'))}</p>{failed_line}"
        f"<table class=areas>{_area_rows(items)}</table>"
        "<dl class=facts>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl></section>"
    )


def _area_rows(items: list[Mapping[str, Any]]) -> str:
    """One row per checklist area (the guide's headings), then one per check area (receiver, sender, eprom)."""
    areas: dict[str, dict[str, int]] = {}
    for item in items:
        name = item.get("area") or "other"
        name = name if item["kind"] == "checklist" else f"checks: {name}"
        counts = areas.setdefault(name, {})
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    rows = []
    for name, counts in areas.items():
        total = sum(counts.values())
        segments = "".join(
            f'<span class="{STATUS_CLASS[status]}" style="width:{100 * counts[status] / total:.1f}%" '
            f'title="{counts[status]} {_e(status)}"></span>' for status in _BAR_ORDER if counts.get(status))
        text = ", ".join(f"{counts[status]} {status}" for status in _BAR_ORDER if counts.get(status))
        rows.append(f'<tr data-area="{_e(name)}"><td class=name>{_e(name)}</td><td><div class=bar>{segments}</div>'
                    f"</td><td class=counts>{_e(text)}</td></tr>")
    return "".join(rows)


def _matrix(items: list[Mapping[str, Any]]) -> str:
    rows = []
    for item in items:
        if item["kind"] != "checklist":
            continue
        checks = _id_links(item.get("checks", []))
        caveats = "".join(f"<div class=small>caveat: {_e(c)}</div>" for c in item.get("caveats", []))
        rows.append(
            f'<tr id="item-{_e(item["id"])}" data-status="{_e(item["status"])}">'
            f'<td class=id>{_e(item["id"])}</td>'
            f'<td class=no lang="nb">{_markdown_light(item["requirement_no"])}</td>'
            f'<td lang="en">{_e(item["requirement_en"])}</td>'
            f'<td>{_e(", ".join(item.get("how_verified", [])))}</td>'
            f'<td>{_badge(item["status"])}</td>'
            f"<td>{checks or '<span class=small>none</span>'}</td>"
            f'<td>{_e(item.get("reason"))}{caveats}</td></tr>'
        )
    return (
        '<section id="checklist-matrix"><h2>Verifikasjonssjekkliste <span class=en>/ Verification checklist (IntegrasjonVerifikasjon)</span></h2>'
        '<table id="matrix"><colgroup><col class=id><col><col><col class=how><col class=st><col class=checks><col>'
        '</colgroup><thead><tr><th>ID</th><th>Krav (norsk, som i veiledningen)</th>'
        "<th>Requirement (English)</th><th>How verified</th><th>Status</th><th>Checks behind it</th>"
        "<th>Reason</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _guide_checks(items: list[Mapping[str, Any]]) -> str:
    rows = []
    for item in items:
        if item["kind"] != "check":
            continue
        proves = _id_links(p for p in item.get("proves", []) if not p.startswith("BR-"))
        rules = ", ".join(p for p in item.get("proves", []) if p.startswith("BR-"))
        cases = "".join(f"<div class=small>{_e(c)}</div>" for c in item.get("cases", []))
        rows.append(
            f'<tr id="item-{_e(item["id"])}" data-status="{_e(item["status"])}">'
            f'<td class=id>{_e(item["id"])}</td><td>{_e(item["title"])}<div class=small>{_e(item.get("pass"))}</div></td>'
            f"<td>{proves}{(' ' + _e(rules)) if rules else ''}</td>"
            f'<td>{_e(", ".join(item.get("how_verified", [])))}</td><td>{_badge(item["status"])}</td>'
            f'<td>{_e(item.get("reason"))}{cases}</td><td>{_link(item.get("spec"))}</td></tr>'
        )
    return (
        '<section id="guide-checks"><h2>Kontroller på tvers av veiledningen <span class=en>/ Guide-wide checks</span></h2><table><thead><tr><th>ID</th><th>Check</th>'
        "<th>Proves</th><th>How verified</th><th>Status</th><th>Reason and cases</th><th>Rule</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _exchange_block(exchange: Mapping[str, Any], limit: int) -> str:
    status = exchange.get("status")
    answer = f"HTTP {status}" if status is not None else f"no answer: {exchange.get('error')}"
    return (
        f'<div class=exchange id="exchange-{_e(exchange.get("id"))}">'
        f"<h3>Exchange #{_e(exchange.get('id'))}: {_e(exchange.get('method'))} {_e(exchange.get('url'))} "
        f"→ {_e(answer)} <span class=small>({_e(exchange.get('direction'))}, {_e(exchange.get('actor'))}, "
        f"{_e(exchange.get('started_at'))}, {_e(exchange.get('latency_ms'))} ms)</span></h3>"
        f"<div class=small>What was sent</div><pre>{_e(_headers(exchange.get('request_headers')))}</pre>"
        f"{_body(exchange.get('request_body'), limit)}"
        f"<div class=small>What came back</div><pre>{_e(_headers(exchange.get('response_headers')))}</pre>"
        f"{_body(exchange.get('response_body'), limit)}"
        + (f"<div class=small>As curl (redacted; the key is read from $EPROM_API_KEY)</div>"
           f"<pre>{_e(exchange['curl'])}</pre>" if exchange.get("curl") else "")
        + "</div>"
    )


def _failures(ev: Mapping[str, Any], exchanges: Mapping[int, Mapping[str, Any]]) -> str:
    blocks, seen = [], set()
    known = {i["id"] for i in ev.get("items", [])}
    failed = [i for i in ev.get("items", []) if i["status"] == "failed"]
    # Checks first: a checklist item failing through a check shows that failure once, under the check.
    for item in sorted(failed, key=lambda i: i["kind"] != "check"):
        for failure in item.get("failures", []):
            key = json.dumps(failure, sort_keys=True, ensure_ascii=False)
            if key not in seen:
                seen.add(key)
                blocks.append(_failure_block(item, failure, exchanges, known))
    body = "".join(blocks) or "<p>No check failed.</p>"
    return f'<section id="failures"><h2>Feil <span class=en>/ Failures</span></h2>{body}</section>'


def _rule_link(rule: Any, known: set[str]) -> str:
    """A deviation's rule: a checklist/catalogue ID links into the report, E1-3 / BR-07 / 3.2 to the spec."""
    text = str(rule or "")
    if not text:
        return ""
    if text in known:
        return f'<a href="#item-{_e(text)}">{_e(text)}</a>'
    endpoint = re.fullmatch(r"(E\d+|C\d+)(-\d+)?", text)
    section = re.fullmatch(r"\d+(\.\d+)*", text)
    if endpoint or section or text.startswith("BR-"):
        ref = endpoint.group(1) if endpoint else text if section else "5"
        if ref.startswith("C"):
            ref = {"C1": "3.1", "C2": "3.2", "C3": "3.3", "C4": "3.4"}.get(ref, "3")
        return f'<a href="{_e(spec_link(ref)["url"])}">{_e(text)}</a>'
    return _e(text)


def _failure_block(
    item: Mapping[str, Any], failure: Mapping[str, Any], exchanges: Mapping[int, Any], known: set[str]
) -> str:
    rows = "".join(
        f"<tr><td>{_e(d.get('field'))}</td><td><pre>{_e(_show(d.get('received')))}</pre></td>"
        f"<td>{_e(_show(d.get('expected')))}</td><td>{_rule_link(d.get('rule'), known)}</td>"
        f"<td>{_exchange_link(d.get('exchange_id'))}</td></tr>"
        for d in failure.get("deviations", [])
    )
    table = (
        "<table><thead><tr><th>Field</th><th>Received</th><th>Expected</th><th>Rule</th><th>Exchange</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>" if rows else ""
    )
    ids = [d.get("exchange_id") for d in failure.get("deviations", []) if d.get("exchange_id")]
    ids = list(dict.fromkeys(ids)) or list(item.get("exchange_ids", []))[:3]
    shown = "".join(_exchange_block(exchanges[i], FAILURE_BODY_LIMIT) for i in ids if i in exchanges)
    return (
        f'<div class=failure id="failure-{_e(item["id"])}"><h3>{_e(item["id"])}: {_e(failure.get("title"))} '
        f"<span class=small>(severity {_e(failure.get('severity'))}; rule: {_link(item.get('spec'))})</span></h3>"
        f"{table}{shown}</div>"
    )


def _exchange_link(exchange_id: Any) -> str:
    return f'<a href="#exchange-{_e(exchange_id)}">#{_e(exchange_id)}</a>' if exchange_id else ""


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _attestations(ev: Mapping[str, Any], screenshots: Mapping[str, bytes]) -> str:
    rows = []
    for item in (i for i in ev.get("items", []) if i.get("attestable")):
        att = item.get("attestation")
        if not att:
            rows.append(f"<tr id=\"attestation-{_e(item['id'])}\"><td class=id>{_e(item['id'])}</td>"
                        f"<td colspan=4>not attested yet {_badge(item['status'])}</td></tr>")
            continue
        shots = "".join(_image(s, screenshots) for s in att.get("screenshots", []))
        rows.append(
            f"<tr id=\"attestation-{_e(item['id'])}\"><td class=id>{_e(item['id'])}</td>"
            f"<td>{'yes' if att.get('verified') else 'NO'} "
            f"{_badge(item['status'])}</td><td>{_e(att.get('who'))}<br><span class=small>{_e(att.get('when'))}"
            f"</span></td><td>{_e(att.get('notes'))}</td><td>{shots}</td></tr>"
        )
    return (
        '<section id="attestations"><h2>Manuelle bekreftelser <span class=en>/ Human attestations</span></h2><p class=small>Items a person verifies on '
        "Helsenorge; record them with <code>eprom-verify attest SESSION_DIR</code>. Unanswered items stay "
        "pending attestation.</p><table><thead><tr><th>ID</th><th>Verified</th><th>Who, when</th>"
        "<th>Notes</th><th>Screenshots</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _image(shot: Mapping[str, Any], screenshots: Mapping[str, bytes]) -> str:
    data = screenshots.get(shot.get("path", ""))
    if data is None:
        return f"<div class=small>{_e(shot.get('name'))}: missing from the session folder</div>"
    uri = f"data:{shot.get('media_type', 'image/png')};base64,{base64.b64encode(data).decode()}"
    return (f'<img class=shot alt="{_e(shot.get("name"))}" src="{uri}">'
            f"<div class=small>{_e(shot.get('name'))} sha256 {_e(shot.get('sha256'))}</div>")


def _system(ev: Mapping[str, Any]) -> str:
    system, eprom, session = ev.get("system", {}), ev.get("eprom", {}), ev.get("session", {})
    rows = [
        ("System under verification", system.get("name")),
        ("Environment", system.get("environment")),
        ("Callback base URL (ApiBaseUrl)", system.get("callback_base_url")),
        ("System version", system.get("version")),
        ("Capabilities", ", ".join(system.get("capabilities") or [])),
        ("Trigger / probe", f"{'yes' if system.get('trigger') else 'no'} / {'yes' if system.get('probe') else 'no'}"),
        ("Forms", ", ".join(f"{f.get('name')} ({f.get('id')})" for f in system.get("forms") or [])),
        ("Test persons", ", ".join(map(str, system.get("test_persons") or [])) or "none"),
        ("ePROM", f"{eprom.get('mode')}: {eprom.get('upstream') or eprom.get('listen')}"),
        ("Kit", f"eprom-verify {session.get('kit_version')} (Python {session.get('python')}, {session.get('platform')})"),
        ("Profile", session.get("profile") or "default"),
        ("Started / finished", f"{session.get('started_at')} / {session.get('finished_at')}"),
        ("Evidence generated", ev.get("generated_at")),
        ("Operator", session.get("operator")),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<section id="system"><h2>System og miljø <span class=en>/ System under verification and environment</span></h2><table>{body}</table></section>'


def _hypothesis(ev: Mapping[str, Any]) -> str:
    hyp = ev.get("hypothesis", {})
    settings = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in hyp.get("settings", {}).items())
    cases = "".join(
        f"<h3>{_e(c.get('nodeid'))}</h3>"
        + (f"<pre>{_e(c.get('statistics'))}</pre>" if c.get("statistics") else "")
        + (f"<pre>{_e(c.get('notes'))}</pre>" if c.get("notes") else "")
        for c in hyp.get("cases", [])
    )
    return (
        '<section id="hypothesis"><h2>Hypothesis <span class=en>/ seeds and statistics</span></h2>'
        f"<table>{settings or '<tr><td>no settings recorded</td></tr>'}</table>"
        f"{cases or '<p>No property-based case reported statistics in this session.</p>'}</section>"
    )


def _cases(ev: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(c['nodeid'])}</td><td>{_id_links(c.get('ids', []))}</td><td>{_e(c['outcome'])}"
        f"{(' (' + _e(c['kind']) + ')') if c.get('kind') else ''}</td><td>{_e(round(c.get('duration_s') or 0, 3))}"
        f"</td><td>{_e(c.get('reason'))}"
        + (f"<details><summary>traceback</summary><pre>{_e(c['longrepr'])}</pre></details>" if c.get("longrepr") else "")
        + (f"<details><summary>captured output</summary><pre>{_e(c['captured'])}</pre></details>" if c.get("captured") else "")
        + "</td></tr>"
        for c in ev.get("cases", [])
    )
    return (
        '<section id="cases"><h2>Testtilfeller <span class=en>/ Cases</span></h2><table><thead><tr><th>Case</th><th>IDs</th><th>Outcome</th>'
        f"<th>s</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _transcript(exchanges: list[Mapping[str, Any]]) -> str:
    rows = "".join(
        f'<details id="transcript-{_e(x.get("id"))}"><summary>#{_e(x.get("id"))} {_e(x.get("started_at"))} '
        f"{_e(x.get('direction'))} {_e(x.get('method'))} {_e(x.get('url'))} → {_e(x.get('status'))}</summary>"
        f"<pre>{_e(_headers(x.get('request_headers')))}</pre>{_body(x.get('request_body'), TRANSCRIPT_BODY_LIMIT)}"
        f"<pre>{_e(_headers(x.get('response_headers')))}</pre>{_body(x.get('response_body'), TRANSCRIPT_BODY_LIMIT)}"
        "</details>"
        for x in exchanges
    )
    return (f'<section id="transcript"><h2>Logg <span class=en>/ Transcript ({len(exchanges)} exchanges)</span></h2>'
            f"{rows or '<p>No exchange was recorded.</p>'}</section>")


def _about(ev: Mapping[str, Any], has_pytest_report: bool) -> str:
    policy = "".join(f"<li>{_e(p)}</li>" for p in ev.get("redaction", {}).get("policy", []))
    aliases = ", ".join(f"{_e(a['alias'])} ({_e(a['class'])})" for a in ev.get("redaction", {}).get("aliases", []))
    pytest_link = ('<p>The test run as pytest saw it: <a href="pytest-report.html">pytest-report.html</a> '
                   "(redacted with the same policy).</p>" if has_pytest_report else "")
    return (
        '<section id="about"><h2>Maskering og integritet <span class=en>/ Redaction and tamper evidence</span></h2>'
        f"<ul>{policy}</ul><p>People in this session: {aliases or 'none'}.</p>{pytest_link}"
        "<p>Every file of this bundle is listed with its SHA-256 in <code>MANIFEST.sha256</code>. Check it with "
        "<code>cd BUNDLE &amp;&amp; sha256sum -c MANIFEST.sha256</code> or <code>eprom-verify verify-evidence "
        "BUNDLE</code>; a signed bundle (<code>MANIFEST.sha256.sig</code>) with <code>eprom-verify "
        "verify-evidence BUNDLE --public-key operator.pub.pem</code> or <code>openssl pkeyutl -verify -pubin "
        "-inkey operator.pub.pem -rawin -in MANIFEST.sha256 -sigfile MANIFEST.sha256.sig</code>, using the "
        "public key the operator sent you separately.</p></section>"
    )


def render_report(
    evidence: Mapping[str, Any], *, screenshots: Mapping[str, bytes] | None = None, has_pytest_report: bool = False
) -> str:
    """The whole page. ``screenshots`` maps attestation screenshot paths to their bytes (embedded)."""
    items = list(evidence.get("items", []))
    exchanges = list(evidence.get("exchanges", []))
    by_id = {x["id"]: x for x in exchanges if x.get("id") is not None}
    title = f"ePROM verification evidence: {evidence.get('system', {}).get('name', '')}"
    return "".join((
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f'<meta name="generator" content="{_e(GENERATOR)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        _header(evidence),
        "<main>",
        _glance(evidence),
        _matrix(items),
        _guide_checks(items),
        _failures(evidence, by_id),
        _attestations(evidence, screenshots or {}),
        _system(evidence),
        _hypothesis(evidence),
        _cases(evidence),
        _transcript(exchanges),
        _about(evidence, has_pytest_report),
        "</main></body></html>\n",
    ))
