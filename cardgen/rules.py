"""The template rules, each written once: checked on a template's source (with line numbers)
and again on the filled SVG, which partials and Jinja-made attributes have reached.

Both passes turn the document into :class:`Node` objects (an element with what it inherits)
and ask :func:`check_node` about each; a rule never sees which pass it is in, except that in
the source a value still holding Jinja (``{{ … }}``) is left for the filled pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from .boxes import BoxError, font_sizes, read_box, slot_name
from .errors import CardgenError
from .fonts import Fonts
from .formats import Format

SVG_NS = "http://www.w3.org/2000/svg"
DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
DOCTYPE_MESSAGE = "DOCTYPE and ENTITY declarations are not allowed in templates"
_EXTERNAL = re.compile(r"url\(\s*['\"]?(?!#)([^)'\"]+)")
_JINJA = re.compile(r"{[{%#]")
# What a text box may not inherit: each would change what is drawn from what was measured
# (weight, slant, size, position) or from what the contrast check sees (opacity, CSS).
NOT_INHERITED = ("font-weight", "font-style", "font-size", "opacity", "fill-opacity", "style")
NOT_INHERITED_ANYWHERE = ("transform",)  # on a parent only: the box's own is refused too
CSS_MESSAGE = (
    "CSS (<style> or style=) is not allowed on text: cairosvg applies it over the fitted "
    "sizes and fills; use attributes such as fill and font-family"
)


@dataclass(frozen=True, kw_only=True)
class Node:
    """An element as a rule sees it."""

    tag: str  # local name: "text", "svg", …
    attrs: dict[str, str]  # its own attributes (local names)
    inherited: dict[str, str]  # its own over its ancestors'
    parents: frozenset[str]  # attribute names set on any ancestor
    in_text: bool  # inside a <text> (a tspan, say)
    text: str = ""  # its own character data (not its children's), for static text
    line: int | None = None
    root: bool = False


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A broken rule: on which element (its slot name, if text) and line, and why."""

    message: str
    slot: str = ""
    line: int | None = None


def jinja(value: str) -> bool:
    """Whether a value is still a Jinja expression (filled per card, checked then)."""
    return bool(_JINJA.search(value))


def check_node(node: Node, fmt: Format, fonts: Fonts) -> list[Finding]:
    """Every rule that applies to one element."""
    found: list[str] = []
    slot = slot_name(node.attrs) if node.tag in ("text", "tspan") else ""
    if node.root and node.tag == "svg":
        found += _canvas(node.attrs, fmt)
    found += _references(node.attrs)
    if node.tag == "style" or (node.attrs.get("style") and (node.in_text or node.tag == "text")):
        found.append(CSS_MESSAGE)
    if node.tag == "text" and "data-box" in node.attrs:
        found += _text_box(node, fmt)
    elif node.tag in ("text", "tspan"):
        found += _static_text(node, fmt, fonts)
    if node.tag in ("text", "tspan"):
        found += _family(node, fonts)
    return [Finding(message=m, slot=slot, line=node.line) for m in found]


def _canvas(attrs: dict[str, str], fmt: Format) -> list[str]:
    want = f"0 0 {fmt.width} {fmt.height}"
    got = " ".join(attrs.get("viewBox", "").replace(",", " ").split())
    if got == want and (attrs.get("width"), attrs.get("height")) == (
        str(fmt.width),
        str(fmt.height),
    ):
        return []
    return [
        f'the {fmt.name} canvas must be width="{fmt.width}" height="{fmt.height}" viewBox="{want}"'
    ]


def _references(attrs: dict[str, str]) -> list[str]:
    found = []
    for key, value in attrs.items():
        if jinja(value):
            continue
        refs = [value] if key == "href" and not value.startswith("#") else []
        refs += _EXTERNAL.findall(value)
        found += [
            f'external reference "{ref}" is not allowed; embed project assets with asset()'
            for ref in refs
            if not ref.startswith("data:")
        ]
    return found


def floor_message(size: float, fmt: Format, *, title: bool) -> str | None:
    """The legibility floor: no text below it on this format (titles have a higher one)."""
    floor = fmt.floor(title)
    if size >= floor:
        return None
    what = "a title" if title else "text"
    return (
        f"font size {size:g}px is below the legibility floor for {what} on the "
        f"{fmt.name} card ({floor:g}px)"
    )


def _sizes(node: Node, fmt: Format, *, title: bool) -> list[str]:
    value = node.attrs.get("data-size") or node.inherited.get("font-size", "")
    if jinja(value):
        return []
    try:
        sizes = font_sizes({"data-size": value})
    except ValueError:
        return [f'font size "{value}" is not a number']
    message = floor_message(min(sizes, default=0.0), fmt, title=title)
    return [message] if message else []


def _text_box(node: Node, fmt: Format) -> list[str]:
    attrs = node.attrs
    found = []
    missing = [a for a in ("font-family", "fill") if a not in attrs]
    if missing:
        found.append(f"a text box needs {' and '.join(missing)} on its own <text> element")
    if {"opacity", "fill-opacity"} & set(attrs):
        found.append("a text box may not be translucent (opacity would defeat the contrast check)")
    taken = sorted(
        (node.parents & {*NOT_INHERITED, *NOT_INHERITED_ANYWHERE}) | ({"transform"} & set(attrs))
    )
    if taken:
        found.append(f"a text box may not inherit {', '.join(taken)} from a parent element")
    # What read_box reads for where and how the text is set; with Jinja in any of it, the
    # box is checked once filled.
    read = ("font-size", "text-anchor", "font-style")
    if not any(jinja(v) for k, v in attrs.items() if k.startswith("data-") or k in read):
        try:
            box = read_box(attrs)
        except BoxError as exc:
            return [*found, f"bad text box: {exc}"]
        m = fmt.safe
        if not box.inside(fmt.width, fmt.height, m):
            found.append(
                f"text box {box.x:g},{box.y:g} {box.width:g}×{box.height:g} reaches outside the "
                f"{fmt.name} card's safe margin ({m}px from each edge)"
            )
    return found + _sizes(node, fmt, title=attrs.get("data-field") == "title")


def _static_text(node: Node, fmt: Format, fonts: Fonts) -> list[str]:
    found = _sizes(node, fmt, title=False) if node.text.strip() or node.tag == "text" else []
    if node.text and not jinja(node.text):
        missing = fonts.missing(node.text)
        if missing:
            found.append(f"static text has characters the font lacks: {''.join(missing)!r}")
    return found


def _family(node: Node, fonts: Fonts) -> list[str]:
    family = node.inherited.get("font-family")
    weight = node.inherited.get("font-weight", "normal")
    if not family:
        return ["text needs a font-family (a bundled font)"]
    if jinja(family + weight):
        return []
    try:
        fonts.check_family(family, weight)
    except CardgenError as exc:
        return [p.message for p in exc.problems]
    return []


# --- the two passes ------------------------------------------------------------------------


def source_nodes(raw: bytes) -> Iterator[Node]:
    """The elements of a template's source, with line numbers; raises ``expat.ExpatError``."""
    parser = expat.ParserCreate(namespace_separator=" ")
    nodes: list[Node] = []
    stack: list[tuple[dict[str, str], frozenset[str], bool]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.split(" ")[-1]
        own = {k.split(" ")[-1]: v for k, v in attrs.items()}
        inherited, parents, in_text = stack[-1] if stack else ({}, frozenset(), False)
        nodes.append(
            Node(
                tag=local,
                attrs=own,
                inherited={**inherited, **own},
                parents=parents,
                in_text=in_text,
                line=parser.CurrentLineNumber,
                root=not stack,
            )
        )
        stack.append(({**inherited, **own}, parents | set(own), in_text or local == "text"))

    def data(text: str) -> None:
        if stack and nodes:
            last = nodes[-1]
            nodes[-1] = Node(**{**last.__dict__, "text": last.text + text})

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    parser.CharacterDataHandler = data
    parser.Parse(raw, True)
    yield from nodes


def tree_nodes(root: ET.Element) -> Iterator[Node]:
    """The elements of a filled SVG."""

    def walk(el: ET.Element, inherited: dict[str, str], parents: frozenset[str], in_text: bool):
        local = el.tag.rsplit("}", 1)[-1]
        own = {k.rsplit("}", 1)[-1]: v for k, v in el.attrib.items()}
        text = (el.text or "") + "".join(child.tail or "" for child in el)
        yield Node(
            tag=local,
            attrs=own,
            inherited={**inherited, **own},
            parents=parents,
            in_text=in_text,
            text=text,
            root=el is root,
        )
        for child in el:
            yield from walk(
                child, {**inherited, **own}, parents | set(own), in_text or local == "text"
            )

    yield from walk(root, {}, frozenset(), False)


def lint_source(path: Path, fmt: Format, fonts: Fonts) -> list[Finding]:
    """Problems in a template's own source: well-formed, safe, sized, bundled fonts, floors."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [Finding(message="template not found")]
    except OSError as exc:
        return [Finding(message=f"cannot read: {exc.strerror or exc}")]
    if DOCTYPE.search(raw):
        return [Finding(message=DOCTYPE_MESSAGE)]
    try:
        nodes = list(source_nodes(raw))
    except expat.ExpatError as exc:
        message = f"not well-formed SVG: {expat.errors.messages[exc.code]}"
        return [Finding(message=message, line=exc.lineno)]
    return [f for node in nodes for f in check_node(node, fmt, fonts)]


def check_filled(root: ET.Element, fmt: Format, fonts: Fonts) -> list[Finding]:
    """The same rules on a filled SVG, plus text box names that must be unique."""
    found = [f for node in tree_nodes(root) for f in check_node(node, fmt, fonts)]
    seen: set[str] = set()
    for el in root.iter(f"{{{SVG_NS}}}text"):
        if "data-box" in el.attrib:
            name = slot_name(el.attrib)
            if name in seen:
                message = "two text boxes share this name; give each an id"
                found.append(Finding(message=message, slot=name))
            seen.add(name)
    return found
