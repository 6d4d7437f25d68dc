"""Formats, the sandboxed Jinja2 environment, template checks and the text-fitting pass.

A template is plain SVG. Jinja2 appears only in text content and attribute values, so the file
still opens in a browser or Inkscape. A text box is declared on the ``<text>`` element itself
with ``data-*`` attributes (see svg_templates/README.md); after Jinja fills the template, the
fitting pass replaces each declared element's content with measured ``<tspan>`` lines.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import math
import mimetypes
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from xml.parsers import expat

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from pydantic import BaseModel, ConfigDict, Field

from . import fonts
from .errors import CardgenError, Problem
from .model import SLUG, display, read_toml, validate
from .text import Box, Fit, FitError, about, clean_text, fit

TEMPLATES_DIR = fonts.ROOT / "svg_templates"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
KINDS = ("case", "launch")  # the kinds every format has unless formats.toml says otherwise
# Cards are seen at about a third of their size on a phone: no text below 28px on a
# 1200px-wide card, no title below 44px (scaled for other widths).
FLOOR_PX, TITLE_FLOOR_PX, FLOOR_WIDTH = 28, 44, 1200
MAX_BYTES = 5 * 1024 * 1024  # X, Facebook and LinkedIn all take images up to 5 MB
_EXTERNAL = re.compile(r"url\(\s*['\"]?(?!#)([^)'\"]+)")
_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_JINJA = re.compile(r"{[{%#]")


@dataclass(frozen=True)
class Format:
    """An output shape: its size and where it is posted."""

    name: str
    width: int
    height: int
    description: str
    safe: int  # safe margin in pixels: keep text inside it
    kinds: tuple[str, ...] = KINDS  # which cards this format has: case, launch, summary

    @property
    def scale(self) -> float:
        """Width relative to the 1200px card the legibility floors are set for."""
        return self.width / FLOOR_WIDTH

    def floor(self, title: bool = False) -> float:
        """The smallest font size allowed on this format."""
        return round((TITLE_FLOOR_PX if title else FLOOR_PX) * min(1.0, self.scale), 1)


class _FormatSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    width: Annotated[int, Field(ge=16, le=8192)]
    height: Annotated[int, Field(ge=16, le=8192)]
    description: str = ""
    safe: Annotated[int, Field(ge=0, le=1000)] = 40
    kinds: Annotated[list[Literal["case", "launch", "summary"]], Field(min_length=1)] = list(KINDS)


class _Formats(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    # Format names become folder and file names: keep them to slug characters.
    formats: Annotated[
        dict[Annotated[str, Field(pattern=SLUG.pattern)], _FormatSpec], Field(min_length=1)
    ]


def load_formats(templates_dir: Path) -> dict[str, Format]:
    """The formats declared in ``formats.toml`` next to the templates."""
    path = templates_dir / "formats.toml"
    spec = validate(_Formats, read_toml(path), display(path))
    return {
        name: Format(name, f.width, f.height, f.description, f.safe, tuple(dict.fromkeys(f.kinds)))
        for name, f in spec.formats.items()
    }


def template_name(kind: str, fmt: str) -> str:
    """The file name of a template: ``<kind>.<format>.svg``."""
    return f"{kind}.{fmt}.svg"


@functools.lru_cache(maxsize=64)
def _data_uri(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size too: read and encoded once per version of the file.
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, plus limits on ``*`` and ``**`` (``'x' * 10**9`` would
    otherwise allocate a gigabyte)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError(f"exponent {right} is too large for a template")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(n, int)
                    and n * len(seq) > 10_000
                ):
                    raise SecurityError("a repeated string or list that long is not allowed")
        return super().call_binop(context, operator, left, right)


class Templates:
    """The template folder: a sandboxed, autoescaping Jinja environment over it."""

    def __init__(self, folder: Path = TEMPLATES_DIR) -> None:
        self.folder = folder.resolve()
        self.formats = load_formats(self.folder)
        # Sandboxed (templates are authored outside the code), autoescaped (select_autoescape
        # does not cover .svg) and strict: an unknown variable is an error, not an empty string.
        self.env = _Sandbox(
            loader=jinja2.FileSystemLoader(self.folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self.env.globals["asset"] = self.asset

    def path(self, kind: str, fmt: str) -> Path:
        """Where the template for a kind of card in a format lives."""
        return self.folder / template_name(kind, fmt)

    def asset(self, name: str) -> str:
        """A project asset (``svg_templates/assets/NAME``) as a ``data:`` URI."""
        assets = (self.folder / "assets").resolve()
        path = (assets / name).resolve()
        if not path.is_relative_to(assets) or not path.is_file():
            raise CardgenError(f'asset "{name}" not found in {display(assets)}')
        stat = path.stat()
        return _data_uri(path, stat.st_mtime_ns, stat.st_size)

    def fill(self, name: str, context: dict[str, Any]) -> str:
        """Render a template with Jinja; errors name the template and line."""
        where = display(self.folder / name)
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise CardgenError(Problem(where, "", "template not found")) from None
        except jinja2.TemplateSyntaxError as exc:
            raise CardgenError(Problem(f"{where}:{exc.lineno}", "", exc.message or "")) from None
        try:
            return template.render(context)
        except CardgenError:
            raise
        except jinja2.TemplateError as exc:
            line = _template_line(exc, template.filename)
            raise CardgenError(
                Problem(f"{where}:{line}" if line else where, "", str(exc))
            ) from None
        except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
            line = _template_line(exc, template.filename)
            msg = f"{type(exc).__name__}: {exc}"
            raise CardgenError(Problem(f"{where}:{line}" if line else where, "", msg)) from None


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line an exception was raised on (Jinja maps frames back to it)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --- checking a template's source -------------------------------------------------------


def lint(path: Path, fmt: Format) -> list[Problem]:
    """Problems in a template's own source: well-formed, safe, sized, bundled fonts, floors."""
    where = display(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [Problem(where, "", "template not found")]
    except OSError as exc:
        return [Problem(where, "", f"cannot read: {exc.strerror or exc}")]
    if _DOCTYPE.search(raw):
        return [Problem(where, "", "DOCTYPE and ENTITY declarations are not allowed in templates")]
    problems: list[Problem] = []
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        local = tag.split(" ")[-1]
        attrs = {k.split(" ")[-1]: v for k, v in attrs.items()}
        inherited = {**(stack[-1] if stack else {}), **attrs}
        stack.append(inherited)
        at = f"{where}:{line}"
        if local == "svg" and len(stack) == 1:
            problems.extend(_check_canvas(attrs, fmt, at))
        for key, value in attrs.items():
            if _JINJA.search(value):
                continue  # filled per card; checked on the filled SVG
            if key == "href" and not value.startswith(("#", "data:")):
                problems.append(
                    Problem(
                        at,
                        "",
                        f'external reference "{value}" is not allowed; '
                        "embed project assets with asset()",
                    )
                )
            for ref in _EXTERNAL.findall(value):
                if not ref.startswith("data:"):
                    problems.append(Problem(at, "", f'external reference "{ref}" is not allowed'))
        if local == "style" or (local in ("text", "tspan") and "style" in attrs):
            # cairosvg applies CSS after attributes: it would undo fitted sizes and fills.
            problems.append(
                Problem(
                    at,
                    "",
                    "CSS (<style> or style=) is not allowed on text; "
                    "use attributes such as fill and font-family",
                )
            )
        if local == "text" and "data-box" in attrs:
            missing = [a for a in ("font-family", "fill") if a not in attrs]
            if missing:
                problems.append(
                    Problem(
                        at,
                        "",
                        f"a text box needs {' and '.join(missing)} on its own <text> element",
                    )
                )
            if {"opacity", "fill-opacity"} & set(attrs):
                problems.append(
                    Problem(
                        at,
                        "",
                        "a text box may not be translucent "
                        "(opacity would defeat the contrast check)",
                    )
                )
        if local in ("text", "tspan"):
            problems.extend(_check_text(inherited, attrs, fmt, at))

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        return [
            Problem(
                f"{where}:{exc.lineno}",
                "",
                f"not well-formed SVG: {expat.errors.messages[exc.code]}",
            )
        ]
    return problems


def _check_canvas(attrs: dict[str, str], fmt: Format, at: str) -> list[Problem]:
    want = f"0 0 {fmt.width} {fmt.height}"
    got = " ".join(attrs.get("viewBox", "").replace(",", " ").split())
    sizes = (attrs.get("width"), attrs.get("height"))
    if got != want or sizes != (str(fmt.width), str(fmt.height)):
        return [
            Problem(
                at,
                "",
                f'the {fmt.name} canvas must be width="{fmt.width}" '
                f'height="{fmt.height}" viewBox="{want}"',
            )
        ]
    return []


def _check_text(
    inherited: dict[str, str], attrs: dict[str, str], fmt: Format, at: str
) -> list[Problem]:
    problems = []
    family, weight = inherited.get("font-family"), inherited.get("font-weight", "normal")
    if not family:
        problems.append(Problem(at, "", "text needs a font-family (a bundled font)"))
    elif not _JINJA.search(family + weight):
        try:
            fonts.check_family(family, weight)
        except CardgenError as exc:
            problems.extend(Problem(at, "", p.message) for p in exc.problems)
    sizes = attrs.get("data-size") or inherited.get("font-size", "")
    if not _JINJA.search(sizes):
        try:
            smallest = min(float(s) for s in sizes.split()) if sizes else 0.0
        except ValueError:
            return [*problems, Problem(at, "", f'font size "{sizes}" is not a number')]
        title = attrs.get("data-field") == "title"
        if smallest < fmt.floor(title):
            what = "a title" if title else "text"
            problems.append(
                Problem(
                    at,
                    "",
                    f"font size {smallest:g}px is below the legibility "
                    f"floor for {what} on the {fmt.name} card ({fmt.floor(title):g}px)",
                )
            )
    return problems


# --- the fitting pass ----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A fitted text box in a filled card: what the fit report and contrast check need."""

    name: str
    field: str
    fill: str
    fit: Fit


@dataclass(frozen=True)
class Filled:
    """A card's final SVG and the slots fitted into it."""

    svg: bytes
    slots: list[Slot]
    background: bytes  # the same SVG with every fitted text removed: for the contrast check


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def read_box(el: ET.Element, where: str) -> Box:
    """Read a ``<text data-box=...>`` declaration."""
    get = el.attrib.get
    try:
        x, y, w, h = (float(v) for v in get("data-box", "").replace(",", " ").split())
        sizes = [float(v) for v in (get("data-size") or get("font-size", "")).split()]
        max_size, min_size = (sizes[0], sizes[-1]) if sizes else (0.0, 0.0)
        family = get("font-family", "")
        weight = fonts.face_weight(get("font-weight"))
        fonts.check_family(family, weight)
        align = get("data-align") or get("text-anchor") or "start"
        valign = get("data-valign", "top")
        if align not in ("start", "middle", "end") or valign not in ("top", "middle", "bottom"):
            raise ValueError(f"align {align!r} / valign {valign!r}")
        if not 0 < min_size <= max_size <= 1000:
            raise ValueError("data-size needs one or two sizes from 1 to 1000, largest first")
        if not (w > 0 and h > 0 and all(map(math.isfinite, (x, y, w, h)))):
            raise ValueError("data-box needs x y width height, width and height above 0")
        lines, leading = int(get("data-lines", "99")), float(get("data-leading", "1.2"))
        step = float(get("data-step", "2"))
        if lines < 1 or not 0.5 <= leading <= 5 or not 0.1 <= step <= 100:
            raise ValueError("data-lines must be ≥ 1, data-leading 0.5 to 5, data-step 0.1 to 100")
        if get("font-style", "normal") != "normal":
            raise ValueError("only upright text can be measured: remove font-style")
        return Box(
            slot=get("data-slot") or get("id") or get("data-field") or "text",
            x=x,
            y=y,
            width=w,
            height=h,
            family=family.split(",")[0].strip().strip("'\""),
            weight=weight,
            max_size=max_size,
            min_size=min_size,
            max_lines=lines,
            line_height=leading,
            align=align,
            valign=valign,
            step=step,
            balance=get("data-balance", "true") != "false",
            break_after=get("data-break-after", ""),
        )
    except CardgenError as exc:
        raise CardgenError([Problem(where, "", p.message) for p in exc.problems]) from None
    except (ValueError, TypeError) as exc:
        raise CardgenError(
            Problem(where, "", f"bad text box on <text id={get('id')!r}>: {exc}")
        ) from None


def fit_svg(
    svg: str,
    *,
    fmt: Format,
    template: str,
    source: str,
    debug: bool = False,
) -> Filled:
    """Fit every declared text box of a filled template; all problems are raised together.

    ``source`` names the file the card's text came from (a case file, or campaign.toml), so a
    text that cannot fit is reported against the field a user must shorten.
    """
    if _DOCTYPE.search(svg.encode()):
        raise CardgenError(Problem(template, "", "DOCTYPE and ENTITY declarations are not allowed"))
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        line = exc.position[0]
        raise CardgenError(
            Problem(f"{template}:{line}", "", f"filled SVG is not well-formed: {exc}")
        ) from None
    problems: list[Problem] = _check_filled(root, fmt, template)
    slots: list[Slot] = []
    fitted: list[ET.Element] = []
    groups: list[str] = []  # data-group: boxes set at one size, e.g. a row of figures
    texts: list[str] = []
    seen: set[str] = set()
    for el in root.iter(_q("text")):
        if "data-box" not in el.attrib:
            continue
        try:
            box = read_box(el, template)
        except CardgenError as exc:
            problems.extend(exc.problems)
            continue
        text = clean_text("".join(el.itertext()))
        field = el.attrib.get("data-field", "")
        if box.slot in seen:
            problems.append(
                Problem(template, box.slot, "two text boxes share this name; give each an id")
            )
        seen.add(box.slot)
        message = fonts.undrawable(text)
        if message:
            where = (source, field) if field else (template, box.slot)
            problems.append(Problem(*where, message))
            continue
        floor = fmt.floor(title=field == "title")
        if box.min_size < floor:  # caught here too when the size came from a Jinja expression
            problems.append(
                Problem(
                    template,
                    box.slot,
                    f"font size {box.min_size:g}px is below the "
                    f"legibility floor on the {fmt.name} card ({floor:g}px)",
                )
            )
            continue
        try:
            result = fit(text, box)
        except FitError as exc:
            what = (
                f"too long for the {fmt.name} card ({exc}); "
                f"shorten it by about {about(exc.excess)} characters"
            )
            problems.append(Problem(source if field else template, field or box.slot, what))
            continue
        slots.append(Slot(box.slot, field, el.attrib.get("fill", "#000000"), result))
        fitted.append(el)
        groups.append(el.attrib.get("data-group", ""))
        texts.append(text)
    if problems:
        raise CardgenError(problems)
    _match_groups(slots, groups, texts)
    for el, slot in zip(fitted, slots, strict=True):
        _set_lines(el, slot.fit)
    overlay = _overlay(slots, fmt) if debug else None
    if overlay is not None:
        root.append(overlay)
    final = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    if overlay is not None:
        root.remove(overlay)
    # Emptied fitted text and no <title>/<desc> (never drawn): cards that share a layout and
    # a theme then share one background, drawn once for the contrast check.
    for el in fitted:
        for child in list(el):
            el.remove(child)
    for tag in ("title", "desc"):
        for el in root.findall(_q(tag)):
            root.remove(el)
    background = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return Filled(final, slots, background)


# What a text box may not inherit: each would change what is drawn from what was measured
# (weight, slant, size, position) or from what the contrast check sees (opacity, CSS).
_NOT_INHERITED = (
    "font-weight",
    "font-style",
    "font-size",
    "opacity",
    "fill-opacity",
    "style",
    "transform",
)


def _check_filled(root: ET.Element, fmt: Format, template: str) -> list[Problem]:
    """Checks on the filled SVG, which partials and Jinja-made attributes have reached.

    The source check (:func:`lint`) gives line numbers; this one sees what will be drawn.
    """
    problems = []
    parents = {child: parent for parent in root.iter() for child in parent}
    if any(el.tag == _q("style") for el in root.iter()):
        problems.append(
            Problem(
                template,
                "",
                "<style> is not allowed: cairosvg applies CSS over the fitted sizes and fills",
            )
        )
    for el in root.iter(_q("text")):
        name = el.get("id") or el.get("data-slot") or "text"
        chain, node = [], el
        while node in parents:
            node = parents[node]
            chain.append(node)
        inherited: dict[str, str] = {}
        for node in [*reversed(chain), el]:
            inherited.update(node.attrib)
        for node in el.iter():
            if node.get("style"):
                problems.append(Problem(template, name, "CSS (style=) is not allowed on text"))
            for piece in (node.text, node.tail if node is not el else None):
                missing = (
                    fonts.missing_characters(piece or "") if "data-box" not in el.attrib else []
                )
                if missing:
                    problems.append(
                        Problem(
                            template,
                            name,
                            f"static text has characters the font lacks: {''.join(missing)!r}",
                        )
                    )
        if "data-box" in el.attrib:
            taken = sorted({k for a in chain for k in a.attrib if k in _NOT_INHERITED})
            if taken:
                problems.append(
                    Problem(
                        template,
                        name,
                        f"a text box may not inherit {', '.join(taken)} from a parent element",
                    )
                )
            problems.extend(_check_safe(el, fmt, template, name))
            continue
        try:  # static text: bundled font and legibility floor, as drawn
            fonts.check_family(inherited.get("font-family", ""), inherited.get("font-weight"))
            size = float(inherited.get("font-size", "0") or 0)
        except CardgenError as exc:
            problems.extend(Problem(template, name, p.message) for p in exc.problems)
            continue
        except ValueError:
            size = 0.0
        if size < fmt.floor():
            problems.append(
                Problem(
                    template,
                    name,
                    f"static text at {size:g}px is below the "
                    f"legibility floor on the {fmt.name} card ({fmt.floor():g}px)",
                )
            )
    return problems


def _check_safe(el: ET.Element, fmt: Format, template: str, name: str) -> list[Problem]:
    try:
        x, y, w, h = (float(v) for v in el.get("data-box", "").replace(",", " ").split())
    except ValueError:
        return []  # read_box reports a malformed box
    m = fmt.safe
    if x < m or y < m or x + w > fmt.width - m or y + h > fmt.height - m:
        return [
            Problem(
                template,
                name,
                f"text box {x:g},{y:g} {w:g}×{h:g} reaches outside the "
                f"{fmt.name} card's safe margin ({m}px from each edge)",
            )
        ]
    return []


def _match_groups(slots: list[Slot], groups: list[str], texts: list[str]) -> None:
    """Refit every box of a group at the smallest size any of them needed."""
    for group in set(groups) - {""}:
        members = [i for i, g in enumerate(groups) if g == group]
        size = min(slots[i].fit.size for i in members)
        for i in members:
            if slots[i].fit.size > size:
                # Capped, not a smaller box: the fit report still compares with what the
                # template declared.
                refit = fit(texts[i], slots[i].fit.box, cap=size)
                slots[i] = dataclasses.replace(slots[i], fit=refit)


def _set_lines(el: ET.Element, result: Fit) -> None:
    for child in list(el):
        el.remove(child)
    el.text = None
    for key in [k for k in el.attrib if k.startswith("data-")]:
        del el.attrib[key]
    el.attrib["font-size"] = f"{result.size:g}"
    el.attrib["text-anchor"] = "start"  # positions are computed from measured ink
    for key in ("x", "y", "dx", "dy"):
        el.attrib.pop(key, None)
    for line in result.lines:
        span = ET.SubElement(el, _q("tspan"), {"x": f"{line.x:g}", "y": f"{line.y:g}"})
        span.text = line.text


def _overlay(slots: list[Slot], fmt: Format) -> ET.Element:
    """Text boxes, baselines and the safe margin, drawn over the card for designers."""
    g = ET.Element(_q("g"), {"id": "cardgen-debug", "fill": "none", "stroke-width": "2"})
    m = fmt.safe
    ET.SubElement(
        g,
        _q("rect"),
        {
            "x": str(m),
            "y": str(m),
            "width": str(fmt.width - 2 * m),
            "height": str(fmt.height - 2 * m),
            "stroke": "#00b7ff",
            "stroke-dasharray": "12 8",
        },
    )
    for slot in slots:
        b = slot.fit.box
        ET.SubElement(
            g,
            _q("rect"),
            {
                "x": f"{b.x:g}",
                "y": f"{b.y:g}",
                "width": f"{b.width:g}",
                "height": f"{b.height:g}",
                "stroke": "#ff00aa",
            },
        )
        for line in slot.fit.lines:
            ET.SubElement(
                g,
                _q("line"),
                {
                    "x1": f"{b.x:g}",
                    "x2": f"{b.x + b.width:g}",
                    "y1": f"{line.y:g}",
                    "y2": f"{line.y:g}",
                    "stroke": "#ff00aa",
                    "stroke-opacity": "0.5",
                    "stroke-width": "1",
                },
            )
    return g


@functools.cache
def templates(folder: Path = TEMPLATES_DIR) -> Templates:
    """One environment per template folder per process."""
    return Templates(folder)
