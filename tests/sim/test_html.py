"""The simulated browser's HTML reader: one regular expression per tag instead of
``html.parser``'s step-by-step scan, held equal to ``html.parser`` (the oracle below, the
reader it replaced) over generated pages and every page the bundled scenarios load."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from sim.cli import collect
from sim.html import _VOID, Document, Element
from sim.scenario.runner import run_scenario
from sim.transport import start_fakes


class _Oracle(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(
            Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        )

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text_parts.append(data)
        if self.stack[-1].tag == "script":
            self.scripts.append(data)


def _tree(element: Element) -> tuple:
    return (
        element.tag,
        element.attrs,
        "".join(element.text_parts),
        [_tree(c) for c in element.children],
    )


def _oracle(html: str) -> tuple:
    parser = _Oracle()
    parser.feed(html)
    parser.close()
    return _tree(parser.root), "".join(parser.scripts)


def _ours(html: str) -> tuple:
    doc = Document.parse(html)
    return _tree(doc.root), "".join(doc.scripts)


TAGS = st.sampled_from(["div", "p", "form", "input", "iframe", "a", "br", "Span", "select", "b"])
TEXT = st.text(st.sampled_from("ab <>&;#x41 amp lt\n\"'=/é"), max_size=12)
ATTR_VALUE = st.text(st.sampled_from("ab &amp;/:= é<>"), max_size=8)


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["id", "name", "value", "Type", "data-x", "checked", "href"]))
    quote = draw(st.sampled_from(['"', "'", "", None]))
    if quote is None:
        return name
    value = draw(ATTR_VALUE)
    if quote == "":
        value = "".join(c for c in value if c not in " <>'\"=") or "v"
    elif quote in value:
        value = value.replace(quote, "")
    return f"{name}={quote}{value}{quote}"


@st.composite
def pieces(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["open", "close", "text", "void", "comment", "script", "doctype"]))
    if kind == "text":
        return draw(TEXT).replace("<", "< ")  # a "<" that starts no tag stays text
    if kind == "comment":
        return f"<!-- {draw(TEXT).replace('--', '')} -->"
    if kind == "doctype":
        return "<!doctype html>"
    if kind == "script":
        body = draw(TEXT).replace("</", "")
        return f"<script>{body}document.getElementById('f').submit()</script>"
    tag = draw(TAGS)
    if kind == "close":
        return f"</{tag}>"
    attrs = " ".join(draw(st.lists(attribute(), max_size=3)))
    space = " " if attrs else ""
    return f"<{tag}{space}{attrs}{' /' if kind == 'void' else ''}>"


@given(st.lists(pieces(), max_size=25).map("".join))
def test_generated_pages_read_as_html_parser_reads_them(html):
    assert _ours(html) == _oracle(html)


def test_every_page_the_bundled_scenarios_load_reads_as_html_parser_reads_it(monkeypatch):
    pages: list[str] = []
    parse = Document.parse.__func__  # type: ignore[attr-defined]

    def keep(cls, html):
        pages.append(html)
        return parse(cls, html)

    monkeypatch.setattr(Document, "parse", classmethod(keep))
    with start_fakes("inprocess") as fakes:
        for scenario in collect(["scenarios"]):
            run_scenario(fakes, scenario)
    monkeypatch.undo()
    assert len(pages) > 200
    for html in pages:
        assert _ours(html) == _oracle(html), html[:300]
