"""Text boxes: the ``data-*`` declaration on a template's ``<text>``, read once into a :class:`Box`.

A box is declared on the ``<text>`` element itself, so a template stays an SVG that opens in a
browser or Inkscape (see svg_templates/README.md)::

    <text data-box="80 120 1040 240" data-size="60 44" data-field="title" ...>{{ title }}</text>
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .fonts import face_weight, family_name
from .text import Box

ALIGN = ("start", "middle", "end")
VALIGN = ("top", "middle", "bottom")


class BoxError(ValueError):
    """A malformed box declaration; the message says what to write instead."""


def slot_name(attrs: Mapping[str, str]) -> str:
    """The name a text element goes by in fit reports and problems."""
    return attrs.get("data-slot") or attrs.get("id") or attrs.get("data-field") or "text"


def numbers(value: str) -> list[float]:
    """Space- or comma-separated numbers (``data-box``, ``data-size``, ``font-size``)."""
    return [float(v) for v in value.replace(",", " ").split()]


def font_sizes(attrs: Mapping[str, str]) -> list[float]:
    """The sizes a text element may be set at: ``data-size`` (largest, smallest) or its
    ``font-size``; raises ValueError if they are not numbers."""
    return numbers(attrs.get("data-size") or attrs.get("font-size", ""))


def read_box(attrs: Mapping[str, str]) -> Box:
    """The box a ``<text data-box=...>`` declares; :class:`BoxError` names what is wrong."""
    get = attrs.get
    try:
        x, y, w, h = numbers(get("data-box", ""))
        sizes = font_sizes(attrs)
        lines, leading = int(get("data-lines", "99")), float(get("data-leading", "1.2"))
        step = float(get("data-step", "2"))
    except ValueError:
        raise BoxError(
            "data-box needs four numbers (x y width height); data-size, data-lines, "
            "data-leading and data-step need numbers"
        ) from None
    max_size, min_size = (sizes[0], sizes[-1]) if sizes else (0.0, 0.0)
    align = get("data-align") or get("text-anchor") or "start"
    valign = get("data-valign", "top")
    if align not in ALIGN or valign not in VALIGN:
        raise BoxError(
            f"align {align!r} / valign {valign!r}: use data-align {'/'.join(ALIGN)} and "
            f"data-valign {'/'.join(VALIGN)}"
        )
    if not 0 < min_size <= max_size <= 1000:
        raise BoxError("data-size needs one or two sizes from 1 to 1000, largest first")
    if not (w > 0 and h > 0 and all(map(math.isfinite, (x, y, w, h)))):
        raise BoxError("data-box needs x y width height, width and height above 0")
    if lines < 1 or not 0.5 <= leading <= 5 or not 0.1 <= step <= 100:
        raise BoxError("data-lines must be ≥ 1, data-leading 0.5 to 5, data-step 0.1 to 100")
    if get("font-style", "normal") != "normal":
        raise BoxError("only upright text can be measured: remove font-style")
    return Box(
        slot=slot_name(attrs),
        x=x,
        y=y,
        width=w,
        height=h,
        family=family_name(get("font-family", "")),
        weight=face_weight(get("font-weight")),
        max_size=max_size,
        min_size=min_size,
        max_lines=lines,
        line_height=leading,
        align=align,  # type: ignore[arg-type]  # checked against ALIGN above
        valign=valign,  # type: ignore[arg-type]
        step=step,
        balance=get("data-balance", "true") != "false",
        break_after=get("data-break-after", ""),
        field=get("data-field", ""),
        group=get("data-group", ""),
        fill=get("fill", "#000000"),
    )
