"""A small HTML tree for the console's tests: parse with the standard library, select with
simple CSS (tag, #id, .class, [attr] and [attr=value], joined by descendant spaces)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr"}
_PART = re.compile(r"([#.]?[\w-]+)|\[([\w-]+)(?:=\"?([^\]\"]*)\"?)?\]")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The visible text, its runs of white space made one space."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join("".join(parts).split()) if self.tag != "#root" else "".join(parts)

    def nodes(self) -> list[Node]:
        out: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                out.append(child)
                out.extend(child.nodes())
        return out

    def select(self, selector: str) -> list[Node]:
        found = [self]
        for step in selector.split():
            found = _unique([n for f in found for n in f.nodes() if _matches(n, step)])
        return found

    def one(self, selector: str) -> Node:
        (node,) = self.select(selector)
        return node

    def texts(self, selector: str) -> list[str]:
        return [n.text for n in self.select(selector)]

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


def _unique(nodes: list[Node]) -> list[Node]:
    seen: set[int] = set()
    return [n for n in nodes if not (id(n) in seen or seen.add(id(n)))]


def _matches(node: Node, step: str) -> bool:
    for simple, attr, value in _PART.findall(step):
        if simple.startswith("#") and node.attrs.get("id") != simple[1:]:
            return False
        if simple.startswith(".") and simple[1:] not in node.attrs.get("class", "").split():
            return False
        if simple and simple[0] not in "#." and node.tag != simple:
            return False
        if attr and (attr not in node.attrs or (value and node.attrs[attr] != value)):
            return False
    return True


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#root", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data: str) -> None:
        self.at.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
