"""Contrast on the rendered card: each fitted slot's colour against the pixels behind its box."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import colour
from .errors import Problem
from .fitting import Filled, Source
from .formats import Format

if TYPE_CHECKING:
    from .project import Project


def contrast_problems(
    filled: Filled, fmt: Format, source: Source, project: Project
) -> list[Problem]:
    """WCAG 2 contrast of each fitted slot's fill against what is drawn behind its box.

    Cards of one theme and layout share a background and boxes: each is drawn once.
    """
    boxes = tuple(s.box for s in filled.slots)
    cache = project.cached("contrast")
    key = (filled.background, boxes, fmt)
    if key not in cache:
        cache[key] = _measure(filled.background, boxes, fmt, project)
    return [
        Problem(
            file=source.template_file,
            field=slot,
            message=message,
            slug=source.slug,
            template=source.template,
        )
        for slot, message in cache[key]
    ]


def _measure(
    background: bytes, boxes: tuple, fmt: Format, project: Project
) -> tuple[tuple[str, str], ...]:
    import numpy as np

    from .render import draw

    # Every second pixel each way: shapes behind text are far wider than 2px, and it is 4x
    # less work than sampling all of them.
    pixels = np.asarray(draw(background, fmt.width, fmt.height, project.fonts))[::2, ::2]
    luminance = colour.luminance_array(pixels)
    found = []
    for b in boxes:
        rgb = colour.parse(b.fill)
        if rgb is None:
            found.append((b.slot, f"fill {b.fill!r} must be #rrggbb, #rgb, white or black"))
            continue
        # Sampled pixels (every second one) whose centre lies inside the box.
        x0, y0 = max(0, math.ceil(b.x / 2)), max(0, math.ceil(b.y / 2))
        x1 = math.ceil(min(fmt.width, b.right) / 2)
        y1 = math.ceil(min(fmt.height, b.bottom) / 2)
        region = luminance[y0:y1, x0:x1]
        if not region.size:
            continue
        ratios = colour.ratio_array(region, colour.luminance(rgb))
        worst = np.unravel_index(int(np.argmin(ratios)), ratios.shape)
        if ratios[worst] < colour.MIN_TEXT_CONTRAST:
            behind = "#{:02x}{:02x}{:02x}".format(*pixels[y0:y1, x0:x1][worst])
            found.append(
                (
                    b.slot,
                    f"contrast {ratios[worst]:.2f}:1 between text {b.fill} and {behind} behind "
                    f"it; at least {colour.MIN_TEXT_CONTRAST}:1",
                )
            )
    return tuple(found)
