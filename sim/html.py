"""A small HTML reader for the simulated browser: elements with attributes, text and children,
enough to find forms, buttons, frames and the things a person reads on a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

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


class _Builder(HTMLParser):
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
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text_parts.append(data)
        if self.stack[-1].tag == "script":
            self.scripts.append(data)


@dataclass
class Document:
    """A parsed page."""

    root: Element
    scripts: list[str]

    @classmethod
    def parse(cls, html: str) -> Document:
        builder = _Builder()
        builder.feed(html)
        builder.close()
        return cls(builder.root, builder.scripts)

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
