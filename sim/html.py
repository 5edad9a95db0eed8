"""A small HTML reader for the simulated browser: elements with attributes, text and children,
enough to find forms, buttons, frames and the things a person reads on a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_AUTO_SUBMIT = re.compile(r"""document\.getElementById\(\s*["']([^"']+)["']\s*\)\.submit\(\)""")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    parent: Element | None = None

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def text(self) -> str:
        """All text inside, whitespace collapsed (what a person reads)."""
        parts: list[str] = []

        def walk(node: Element) -> None:
            if node.tag in ("script", "style"):
                return
            parts.extend(node.text_parts)
            for child in node.children:
                walk(child)

        walk(self)
        return " ".join(" ".join(parts).split())

    def iter(self) -> list[Element]:
        out = [self]
        for child in self.children:
            out.extend(child.iter())
        return out

    def hidden(self) -> bool:
        """Hidden by ``style='display:none'`` here or on an ancestor."""
        node: Element | None = self
        while node is not None:
            style = node.attrs.get("style", "").replace(" ", "").lower()
            if "display:none" in style:
                return True
            node = node.parent
        return False


#: One token of HTML: a comment, a declaration or processing instruction (skipped), an end
#: tag (group 1), or a start tag (name, attributes, self-closing slash: groups 2-4).
_TOKEN = re.compile(
    r"""<!--.*?-->|<![^>]*>|<\?[^>]*>"""
    r"""|</([a-zA-Z][^\s/>]*)[^>]*>"""
    r"""|<([a-zA-Z][^\s/>]*)((?:[\s/]*[^\s/>"'=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?)*)"""
    r"""[\s/]*?(/?)>""",
    re.S,
)
_ATTR = re.compile(r"""([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]*)))?""")
#: Elements whose content is raw text up to their end tag.
_RAW_TEXT = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for found in _ATTR.finditer(raw):
        name, double, single, bare = found.groups()
        value = double if double is not None else single if single is not None else bare or ""
        attrs[name.lower()] = unescape(value) if "&" in value else value
    return attrs


def _parse(html: str) -> tuple[Element, list[str]]:
    """The element tree and the scripts of ``html``, read as ``html.parser`` reads them (a
    property test holds the two equal) at twice its speed: one regular expression finds each
    tag, where ``html.parser`` steps through the page in Python (a tenth of a scenario's time,
    ``bench/run.py`` profile)."""
    root = Element("#document", {})
    stack = [root]
    scripts: list[str] = []
    pos, size = 0, len(html)
    while pos < size:
        token = _TOKEN.search(html, pos)
        start = token.start() if token else size
        if start > pos:
            text = html[pos:start]
            stack[-1].text_parts.append(unescape(text) if "&" in text else text)
        if token is None:
            break
        pos = token.end()
        end_tag, tag, raw_attrs, slash = token.groups()
        if tag is not None:
            tag = tag.lower()
            parent = stack[-1]
            element = Element(tag, _attributes(raw_attrs), parent=parent)
            parent.children.append(element)
            closing = _RAW_TEXT.get(tag)
            if closing is not None:
                close = closing.search(html, pos)
                stop = close.start() if close else size
                if stop > pos:
                    element.text_parts.append(html[pos:stop])
                    if tag == "script":
                        scripts.append(html[pos:stop])
                after = html.find(">", stop) if close else -1
                pos = size if after < 0 else after + 1
            elif tag not in _VOID and not slash:
                stack.append(element)
        elif end_tag is not None:
            end_tag = end_tag.lower()
            for i in range(len(stack) - 1, 0, -1):
                if stack[i].tag == end_tag:
                    del stack[i:]
                    break
    return root, scripts


@dataclass
class Document:
    """A parsed page."""

    root: Element
    scripts: list[str]

    @classmethod
    def parse(cls, html: str) -> Document:
        return cls(*_parse(html))

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.root.iter() if e.id == element_id), None)

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.root.iter() if e.tag == tag]

    def text(self) -> str:
        return self.root.text()

    @property
    def title(self) -> str:
        found = self.all("title")
        return found[0].text() if found else ""

    def auto_submitted_forms(self) -> list[str]:
        """Ids of forms the page's script submits on load."""
        return [m.group(1) for script in self.scripts for m in _AUTO_SUBMIT.finditer(script)]

    def form_fields(self, form: Element) -> list[tuple[str, str]]:
        """The successful controls of ``form`` (inputs with a name, selects, textareas)."""
        fields: list[tuple[str, str]] = []
        for element in form.iter():
            name = element.attrs.get("name")
            if not name:
                continue
            if element.tag == "input":
                kind = element.attrs.get("type", "text").lower()
                if kind in ("submit", "button", "image", "reset"):
                    continue
                if kind in ("checkbox", "radio") and "checked" not in element.attrs:
                    continue
                fields.append(
                    (name, element.attrs.get("value", "on" if kind == "checkbox" else ""))
                )
            elif element.tag == "select":
                options = [o for o in element.iter() if o.tag == "option"]
                chosen = next(
                    (o for o in options if "selected" in o.attrs), options[0] if options else None
                )
                if chosen is not None:
                    fields.append((name, chosen.attrs.get("value", chosen.text())))
            elif element.tag == "textarea":
                fields.append((name, element.text()))
        return fields

    def form_of(self, element: Element) -> Element | None:
        node: Element | None = element
        while node is not None and node.tag != "form":
            node = node.parent
        return node
