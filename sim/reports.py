"""Reports for CI and people: JUnit XML (one test case per scenario run) and one self-contained
HTML page (summary; per scenario its steps, a sequence diagram of who called whom drawn from
the journal, the decoded LTI claims of each launch, and the emails sent). No CDN: the page
opens offline."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sim.report import format_failure, journal_line
from sim.scenario.runner import ScenarioResult

_AGENT = re.compile(r"casim(?:-browser|-fake)? \(([^)]+)\)")


def write_junit(results: list[ScenarioResult], path: str | Path, seconds: float) -> None:
    """JUnit XML: a ``testsuite`` with one ``testcase`` per scenario and transport."""
    counts = Counter(r.status for r in results)
    suite = ET.Element(
        "testsuite",
        name="casim",
        tests=str(len(results)),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.scenario.file.removesuffix(".yaml").replace("/", "."),
            name=f"{result.scenario.name} [{result.transport}]",
            file=result.scenario.file,
            line=str(result.scenario.line),
            time=f"{result.seconds:.3f}",
        )
        if result.status != "passed":
            tag = "failure" if result.status == "failed" else "error"
            element = ET.SubElement(case, tag, message=result.message[:500], type=tag)
            element.text = format_failure(result)
    ET.indent(suite)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# -- the HTML page ------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2326}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.passed{color:#16703a}.failed,.error{color:#b3261e}details{margin:.4rem 0;border:1px solid #dde;padding:.4rem .6rem;border-radius:4px}
summary{cursor:pointer;font-weight:600}pre{background:#f6f7f9;padding:.5rem;overflow:auto;font-size:.8rem}
svg text{font-family:system-ui,sans-serif;font-size:11px}.muted{color:#667}
"""


def caller_of(entry: dict[str, Any]) -> str:
    """Who sent a journalled request: a person's browser or client, the issuer, or a fake."""
    agent = entry.get("request_headers", {}).get("user-agent", "")
    found = _AGENT.search(agent)
    if found:
        name = found.group(1)
        return name if "browser" not in agent else f"{name}'s browser"
    return "client"


def launch_claims(journal: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The (unverified) payload of every id_token posted to a tool, in order."""
    out = []
    for entry in journal:
        if entry.get("method") == "POST" and entry.get("path", "").endswith("/lti/launch"):
            token = parse_qs(entry.get("request_body", "")).get("id_token", [""])[0]
            parts = token.split(".")
            if len(parts) == 3:
                try:
                    padded = parts[1] + "=" * (-len(parts[1]) % 4)
                    out.append(json.loads(base64.urlsafe_b64decode(padded)))
                except ValueError:
                    continue
    return out


def sequence_svg(journal: list[dict[str, Any]], limit: int = 150) -> str:
    """A sequence diagram: one lifeline per caller and service, one arrow per request."""
    entries = journal[:limit]
    actors: list[str] = []
    for entry in entries:
        for actor in (caller_of(entry), entry["service"]):
            if actor not in actors:
                actors.append(actor)
    if not entries:
        return "<p class='muted'>No requests were journalled.</p>"
    gap, top, row = 170, 40, 22
    width, height = gap * len(actors) + 40, top + row * (len(entries) + 1)
    x = {actor: 20 + gap * i + gap // 2 for i, actor in enumerate(actors)}
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"
    ]
    for actor in actors:
        parts.append(
            f"<text x='{x[actor]}' y='16' text-anchor='middle' font-weight='bold'>{escape(actor)}</text>"
        )
        parts.append(
            f"<line x1='{x[actor]}' y1='24' x2='{x[actor]}' y2='{height}' stroke='#bbc' stroke-dasharray='4 3'/>"
        )
    for i, entry in enumerate(entries):
        y = top + row * i
        a, b = x[caller_of(entry)], x[entry["service"]]
        color = "#b3261e" if entry["status"] >= 400 else "#2a5db0"
        label = f"{entry['method']} {entry['path'][:48]} → {entry['status']}"
        parts.append(
            f"<line x1='{a}' y1='{y}' x2='{b}' y2='{y}' stroke='{color}' marker-end='url(#arrow)'/>"
        )
        parts.append(
            f"<text x='{(a + b) / 2}' y='{y - 4}' text-anchor='middle' fill='{color}'>{escape(label)}</text>"
        )
    parts.insert(
        1,
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='6' markerHeight='6' "
        "orient='auto-start-reverse'><path d='M 0 0 L 10 5 L 0 10 z' fill='#2a5db0'/></marker></defs>",
    )
    parts.append("</svg>")
    more = (
        f"<p class='muted'>… and {len(journal) - limit} more requests.</p>"
        if len(journal) > limit
        else ""
    )
    return "".join(parts) + more


def write_html(results: list[ScenarioResult], path: str | Path, seconds: float) -> None:
    """One self-contained page for the whole run."""
    counts = Counter(r.status for r in results)
    rows = "".join(
        f"<tr><td class='{r.status}'>{r.status}</td><td><a href='#s{i}'>{escape(r.scenario.name)}</a></td>"
        f"<td>{r.transport}</td><td>{', '.join(r.scenario.spec.rules)}</td><td>{r.seconds * 1000:.0f} ms</td></tr>"
        for i, r in enumerate(results)
    )
    sections = [_scenario_html(i, r) for i, r in enumerate(results)]
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>casim report</title><style>{_CSS}</style></head><body>"
        f"<h1>casim report</h1><p>{counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
        f"{len(results)} in all, {seconds:.2f} s</p>"
        f"<table><tr><th>result</th><th>scenario</th><th>transport</th><th>rules</th><th>time</th></tr>{rows}</table>"
        f"{''.join(sections)}</body></html>"
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(html, encoding="utf-8")


def _scenario_html(index: int, result: ScenarioResult) -> str:
    steps = "".join(
        f"<tr><td>{s.index + 1}</td><td class='{s.status}'>{s.status}</td><td>{escape(s.name)}</td>"
        f"<td>{escape(s.file or result.scenario.file)}:{s.line}</td><td>{escape(s.message)}</td></tr>"
        for s in result.steps
    )
    failure = f"<pre>{escape(format_failure(result))}</pre>" if result.status != "passed" else ""
    claims = launch_claims(result.journal)
    claims_html = (
        "".join(
            f"<details><summary>launch {n + 1}: {escape(str(c.get('name') or c.get('sub')))} — "
            f"{escape(', '.join(r.rsplit('#', 1)[-1] for r in c.get('https://purl.imsglobal.org/spec/lti/claim/roles', [])))}"
            f"</summary><pre>{escape(json.dumps(c, indent=2, sort_keys=True))}</pre></details>"
            for n, c in enumerate(claims)
        )
        or "<p class='muted'>No LTI launches.</p>"
    )
    emails = "".join(
        f"<tr><td>{escape(e['to'])}</td><td>{escape(e['subject'])}</td><td>{escape(e['sent_at'])}</td></tr>"
        for e in result.emails
    )
    emails_html = (
        f"<table><tr><th>to</th><th>subject</th><th>sent</th></tr>{emails}</table>"
        if emails
        else "<p class='muted'>No emails.</p>"
    )
    journal = "\n".join(journal_line(e) for e in result.journal)
    return (
        f"<details id='s{index}' {'open' if result.status != 'passed' else ''}><summary class='{result.status}'>"
        f"{escape(result.scenario.name)} [{result.transport}, seed {result.seed}] — {result.status}</summary>"
        f"<p class='muted'>{escape(result.scenario.file)}:{result.scenario.line}</p>{failure}"
        f"<h3>Steps</h3><table><tr><th>#</th><th>result</th><th>step</th><th>where</th><th>note</th></tr>{steps}</table>"
        f"<h3>Who called whom</h3>{sequence_svg(result.journal)}"
        f"<h3>LTI launches (decoded id_token claims)</h3>{claims_html}"
        f"<h3>Emails sent</h3>{emails_html}"
        f"<details><summary>Journal ({len(result.journal)} requests)</summary><pre>{escape(journal)}</pre></details>"
        "</details>"
    )
