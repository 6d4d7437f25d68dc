"""The fitting pass: every declared text box of a filled template set in measured lines.

After Jinja fills a template, each ``<text data-box=…>`` element's content is replaced with
``<tspan>`` lines fitted by :mod:`cardgen.text`; boxes of one ``data-group`` share a size.
The result keeps what the contrast check needs: each slot's fit and colour, and the card drawn
without its fitted text.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .boxes import BoxError, read_box
from .errors import CardgenError, Problem
from .fonts import Fonts
from .formats import Format
from .geometry import Rect
from .logo import Placed, place, slot_problems
from .rules import DOCTYPE, SVG_NS, check_filled, floor_message
from .text import Box, Fit, FitError, Measurer, about, clean_text, fit, quoted

if TYPE_CHECKING:
    from .photo import Frames

XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a card comes from, for problems: its slug, template, and the file of its text."""

    slug: str
    template: str  # the template's name, "case.twitter.svg"
    template_file: str  # the template as users see it
    text_file: str  # the case file (or campaign file) whose fields the card shows


@dataclass(frozen=True, kw_only=True)
class Slot:
    """A fitted text box in a filled card: what the fit report and contrast check need."""

    box: Box
    fit: Fit

    @property
    def name(self) -> str:
        """The box's name."""
        return self.box.slot


@dataclass(frozen=True, kw_only=True)
class Graphic:
    """A chart drawn on the card (``<g data-chart>``): its box and ink, for the 3:1 check."""

    name: str  # "ring", "icons", "bars", numbered: "chart-2 (ring)"
    box: Rect
    ink: str


@dataclass(frozen=True, kw_only=True)
class Filled:
    """A card's final SVG and the slots fitted into it."""

    svg: bytes
    slots: tuple[Slot, ...]
    background: bytes  # the same SVG without fitted text and logo: for the contrast check
    logos: tuple[Placed, ...] = ()  # where the logo is drawn
    warnings: tuple[Problem, ...] = ()  # worth saying, not worth refusing the card for
    graphics: tuple[Graphic, ...] = ()  # charts, measured against what is behind them
    figures: tuple[str, ...] = ()  # slugs whose figure a box drawn with data-figure shows
    hidden: int = 0  # how many figures the card says it leaves out (data-hidden)


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def fit_svg(
    svg: str,
    *,
    fmt: Format,
    fonts: Fonts,
    source: Source,
    logo: dict[str, Any] | None = None,
    photo: Frames | None = None,
    debug: bool = False,
) -> Filled:
    """Fit every declared text box of a filled template; all problems are raised together.

    A text that cannot fit is reported against the field a user must shorten, in the file
    its text came from; a broken box against the template.
    """

    def of_template(message: str, slot: str = "", line: int | None = None) -> Problem:
        return Problem(
            file=source.template_file,
            line=line,
            field=slot,
            message=message,
            slug=source.slug,
            template=source.template,
        )

    def of_text(field: str, message: str) -> Problem:
        return Problem(file=source.text_file, field=field, message=message, slug=source.slug)

    if DOCTYPE.search(svg.encode()):
        raise CardgenError(of_template("DOCTYPE and ENTITY declarations are not allowed"))
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        message = f"filled SVG is not well-formed: {exc}"
        raise CardgenError(of_template(message, line=exc.position[0])) from None
    problems = [of_template(f.message, f.slot) for f in check_filled(root, fmt, fonts)]
    m = fonts.measurer
    slots: list[Slot] = []
    fitted: list[tuple[ET.Element, str]] = []
    for el in root.iter(_q("text")):
        if "data-box" not in el.attrib:
            continue
        try:
            box = read_box(el.attrib)
        except BoxError:
            continue  # check_filled reported it
        text = clean_text("".join(el.itertext()), fonts.covered)
        message = fonts.undrawable(text)
        if message:
            problems.append(of_text(box.field, message) if box.field else of_template(message))
            continue
        if floor_message(box.min_size, fmt, title=box.field == "title"):
            continue  # check_filled reported it
        try:
            result = fit(text, box, m)
        except FitError as exc:
            what = (
                f"too long for the {fmt.name} card ({exc}); "
                f"shorten it by about {about(exc.excess)} characters"
            )
            if box.field:
                problems.append(of_text(box.field, what))
            else:  # the campaign's words (a hashtag, a phrase): say which, as drawn
                problems.append(of_template(f"{quoted(text)} is {what}", box.slot))
            continue
        slots.append(Slot(box=box, fit=result))
        fitted.append((el, text))
    logos, found = _logos(root, logo, [s.box for s in slots], fmt)
    problems += [of_template(message, "logo") for message in found]
    warnings: list[Problem] = []
    frames = [el for el in root.iter(_q("image")) if "data-photo" in el.attrib]
    for el in frames:
        try:
            note = _photo(el, photo, fmt)
        except _TemplateFault as exc:
            problems.append(of_template(str(exc), "photo"))
        except ValueError as exc:
            problems.append(of_text("photo", str(exc)))
        else:
            warnings += [of_text("photo", note)] if note else []
    if problems:
        raise CardgenError(problems)
    figures = tuple(el.attrib["data-figure"] for el, _ in fitted if el.attrib.get("data-figure"))
    hidden = 0
    for el, _ in fitted:
        try:
            hidden += int(el.attrib.get("data-hidden", "0") or 0)
        except ValueError:
            problems.append(
                of_template("data-hidden must be a whole number", read_box(el.attrib).slot)
            )
    if problems:
        raise CardgenError(problems)
    slots = _match_groups(slots, [text for _, text in fitted], m)
    for (el, _), slot in zip(fitted, slots, strict=True):
        _set_lines(el, slot.fit)
    overlay = _overlay(slots, fmt, logos, logo) if debug else None
    if overlay is not None:
        root.append(overlay)
    final = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    if overlay is not None:
        root.remove(overlay)
    # Without its fitted text and <title>/<desc> (never drawn): cards that share a layout and
    # a theme then share one background, drawn once for the contrast check.
    dropped = {el for el, _ in fitted} | {*root.findall(_q("title")), *root.findall(_q("desc"))}
    dropped |= {el for el in root.iter(_q("image")) if "data-logo" in el.attrib}
    graphics, charts = _graphics(root)
    dropped |= charts
    if photo is not None:  # measured at half size: the photo too, a quarter of the pixels
        for el in frames:
            width, height = float(el.attrib["width"]), float(el.attrib["height"])
            el.attrib["href"] = photo.href(width, height, half=True)
    for parent in list(root.iter()):
        for child in [c for c in parent if c in dropped]:
            parent.remove(child)
    # The contrast check draws it at half size: an even canvas keeps every half-size pixel on
    # a whole 2×2 block of the card (675 high would shift each row by a quarter pixel).
    width, height = fmt.width + fmt.width % 2, fmt.height + fmt.height % 2
    root.attrib.update(width=str(width), height=str(height), viewBox=f"0 0 {width} {height}")
    background = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return Filled(
        svg=final,
        slots=tuple(slots),
        background=background,
        logos=logos,
        warnings=tuple(warnings),
        graphics=graphics,
        figures=figures,
        hidden=hidden,
    )


def _graphics(root: ET.Element) -> tuple[tuple[Graphic, ...], set[ET.Element]]:
    """The charts (``<g data-chart data-box data-ink>``) and their elements."""
    found, elements = [], set()
    for i, el in enumerate((e for e in root.iter(_q("g")) if "data-chart" in e.attrib), 1):
        try:
            x, y, w, h = (float(v) for v in el.attrib.get("data-box", "").split())
        except ValueError:
            continue
        name = f"chart-{i} ({el.attrib['data-chart']})"
        found.append(
            Graphic(
                name=name, box=Rect(x=x, y=y, width=w, height=h), ink=el.attrib.get("data-ink", "")
            )
        )
        elements.add(el)
    return tuple(found), elements


class _TemplateFault(ValueError):
    """A photo frame the template drew wrongly (not the case's photo's fault)."""


def _photo(el: ET.Element, photo: Frames | None, fmt: Format) -> str:
    """Put the case's photo in an ``<image data-photo>`` frame, cropped to cover it; the
    warning to give, if any. The photo stays in the background: text over it is measured
    against its pixels."""
    if photo is None:
        raise _TemplateFault(
            "a photo frame (data-photo) is drawn but the case has no photo: "
            "wrap it in {% if photo %}"
        )
    try:
        width, height = float(el.attrib["width"]), float(el.attrib["height"])
        float(el.attrib.get("x", "0")), float(el.attrib.get("y", "0"))
    except (KeyError, ValueError):
        raise _TemplateFault("a photo frame needs x, y, width and height in px") from None
    if not (width >= 1 and height >= 1):
        raise _TemplateFault("a photo frame needs a width and height of at least 1px")
    message, error = photo.size_problem(width, height, fmt.name)
    if error:
        raise ValueError(message)
    el.attrib.pop("data-photo")
    el.attrib["href"] = photo.href(width, height)
    el.attrib["preserveAspectRatio"] = "none"  # cropped to the frame's exact shape already
    el.attrib.pop(f"{{{XLINK_NS}}}href", None)
    return message


def _logos(
    root: ET.Element, logo: dict[str, Any] | None, boxes: list[Box], fmt: Format
) -> tuple[tuple[Placed, ...], list[str]]:
    """Where the logo slots (``<image data-logo>``) draw the logo, and the brand's rules."""
    placed, found = [], []
    for el in root.iter(_q("image")):
        if "data-logo" not in el.attrib:
            continue
        if logo is None:
            found.append("a logo slot is drawn but the campaign has no brand.logo")
            continue
        try:
            where = place(dict(el.attrib), logo)
        except ValueError as exc:
            found.append(str(exc))
            continue
        found += slot_problems(
            where, boxes, fmt, min_height=logo["min_height"], clear=logo["clear_space"]
        )
        placed.append(where)
    return tuple(placed), found


def _match_groups(slots: list[Slot], texts: list[str], m: Measurer) -> list[Slot]:
    """Refit every box of a group at the smallest size any of them needed."""
    out = list(slots)
    for group in {s.box.group for s in slots} - {""}:
        members = [i for i, s in enumerate(slots) if s.box.group == group]
        size = min(slots[i].fit.size for i in members)
        for i in members:
            if slots[i].fit.size > size:
                # Capped, not a smaller box: the fit report still compares with what the
                # template declared.
                out[i] = dataclasses.replace(slots[i], fit=fit(texts[i], slots[i].box, m, cap=size))
    return out


KEPT = ("data-figure", "data-hidden")  # what a summary shows: kept in the final SVG


def _set_lines(el: ET.Element, result: Fit) -> None:
    for child in list(el):
        el.remove(child)
    el.text = None
    for key in [k for k in el.attrib if k.startswith("data-") and k not in KEPT]:
        del el.attrib[key]
    el.attrib["font-size"] = f"{result.size:g}"
    el.attrib["text-anchor"] = "start"  # positions are computed from measured ink
    for key in ("x", "y", "dx", "dy"):
        el.attrib.pop(key, None)
    for line in result.lines:
        # One x per character: cairosvg draws each at its own, so the kerning measured is
        # the kerning drawn.
        xs = " ".join(f"{x:g}" for x in line.xs) or f"{line.x:g}"
        span = ET.SubElement(el, _q("tspan"), {"x": xs, "y": f"{line.y:g}"})
        span.text = line.text


def _overlay(
    slots: list[Slot], fmt: Format, logos: tuple[Placed, ...], logo: dict[str, Any] | None
) -> ET.Element:
    """Text boxes, baselines, the safe margin and the logo with its clear space, drawn over
    the card for designers."""
    g = ET.Element(_q("g"), {"id": "cardgen-debug", "fill": "none", "stroke-width": "2"})

    def rect(x: float, y: float, w: float, h: float, **style: str) -> None:
        attrs = {"x": f"{x:g}", "y": f"{y:g}", "width": f"{w:g}", "height": f"{h:g}"}
        ET.SubElement(g, _q("rect"), {**attrs, **style})

    m = fmt.safe
    rect(m, m, fmt.width - 2 * m, fmt.height - 2 * m, stroke="#00b7ff")
    g[-1].set("stroke-dasharray", "12 8")
    for slot in slots:
        b = slot.box
        rect(b.x, b.y, b.width, b.height, stroke="#ff00aa")
        for line in slot.fit.lines:
            ET.SubElement(
                g,
                _q("line"),
                {
                    "x1": f"{b.x:g}",
                    "x2": f"{b.right:g}",
                    "y1": f"{line.y:g}",
                    "y2": f"{line.y:g}",
                    "stroke": "#ff00aa",
                    "stroke-opacity": "0.5",
                    "stroke-width": "1",
                },
            )
    for placed in logos:
        space = (logo or {}).get("clear_space", 0) * placed.height
        rect(placed.x, placed.y, placed.width, placed.height, stroke="#00b7ff")
        grown = (placed.x - space, placed.y - space, placed.width + 2 * space)
        rect(*grown, placed.height + 2 * space, stroke="#00b7ff", **{"stroke-dasharray": "4 4"})
    return g
