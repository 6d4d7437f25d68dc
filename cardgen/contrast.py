"""Contrast on the rendered card: each fitted slot's colour against the pixels behind its box."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import colour
from .errors import Problem
from .fitting import Filled, Graphic, Source
from .formats import Format
from .geometry import Rect
from .logo import Placed
from .text import Box

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from .project import Project


def contrast_problems(
    filled: Filled, fmt: Format, source: Source, project: Project
) -> list[Problem]:
    """WCAG 2 contrast of each fitted slot's fill against what is drawn behind its box.

    Cards of one theme and layout share a background and boxes: each is drawn once.
    """
    boxes = tuple(s.box for s in filled.slots)
    cache = project.cached("contrast")
    key = (filled.background, boxes, filled.logos, filled.graphics, fmt)
    if key not in cache:
        cache[key] = _measure(filled.background, boxes, filled.logos, filled.graphics, fmt, project)
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
    background: bytes,
    boxes: tuple[Box, ...],
    logos: tuple[Placed, ...],
    graphics: tuple[Graphic, ...],
    fmt: Format,
    project: Project,
) -> tuple[tuple[str, str], ...]:

    from .render import pixels

    # Drawn at half size: each pixel is the mean of 2×2, and shapes behind text are far wider
    # than 2px. A quarter of the pixels to draw and to measure. (Fitting made the background's
    # canvas even, so each pixel is one whole 2×2 block of the card.)
    size = ((fmt.width + 1) // 2, (fmt.height + 1) // 2)
    found = []
    with pixels(background, *size, project.fonts) as half:
        for b in boxes:
            problem = _box_contrast(b, half, fmt)
            if problem:
                found.append((b.slot, problem))
        for logo in logos:
            problem = _logo_contrast(logo, half)
            if problem:
                found.append(("logo", problem))
        for graphic in graphics:
            problem = _region_contrast(
                graphic.box, graphic.ink, half, fmt, colour.MIN_GRAPHIC_CONTRAST, "the chart"
            )
            if problem:
                found.append((graphic.name, problem + " (WCAG 1.4.11)"))
    return tuple(found)


def _box_contrast(b: Box, half: NDArray[np.uint8], fmt: Format) -> str | None:
    return _region_contrast(b, b.fill, half, fmt, colour.MIN_TEXT_CONTRAST, "text")


def _region_contrast(
    b: Rect, fill: str, half: NDArray[np.uint8], fmt: Format, least: float, what: str
) -> str | None:
    """The worst contrast between ``fill`` and the pixels behind the box, if below ``least``."""
    import numpy as np

    rgb = colour.parse(fill)
    if rgb is None:
        return f"fill {fill!r} must be #rrggbb, #rgb, white or black"
    # Half-size pixels whose 2×2 block lies inside the box: none mixes in what is outside.
    x0, y0 = max(0, math.ceil(b.x / 2)), max(0, math.ceil(b.y / 2))
    x1 = math.floor(min(fmt.width, b.right) / 2)
    y1 = math.floor(min(fmt.height, b.bottom) / 2)
    region = half[y0:y1, x0:x1]
    if not region.size:
        return None
    ratios = colour.ratio_array(colour.luminance_array(region), colour.luminance(rgb))
    worst = np.unravel_index(int(np.argmin(ratios)), ratios.shape)
    if ratios[worst] >= least:
        return None
    behind = "#{:02x}{:02x}{:02x}".format(*region[worst])
    return (
        f"contrast {ratios[worst]:.2f}:1 between {what} {fill} and {behind} behind it; "
        f"at least {least:g}:1"
    )


def _logo_contrast(logo: Placed, half: NDArray[np.uint8]) -> str | None:
    """WCAG 1.4.11 for the logo: at least half of its ink must reach 3:1 against the pixels
    behind it (a two-colour logo may have a part that blends in, not most of it)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    x0, y0 = max(0, math.ceil(logo.x / 2)), max(0, math.ceil(logo.y / 2))
    x1, y1 = math.floor(logo.right / 2), math.floor(logo.bottom / 2)
    behind = half[y0:y1, x0:x1]
    if not behind.size:
        return None
    raw = base64.b64decode(logo.href.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as image:
        drawn = image.convert("RGBA").resize((x1 - x0, y1 - y0), Image.Resampling.BOX)
    rgba = np.asarray(drawn)
    ink = rgba[..., 3] >= 128
    if not ink.any():
        return "the logo is transparent where it is drawn"
    lum_logo = colour.luminance_array(rgba[..., :3])
    lum_behind = colour.luminance_array(behind)
    ratios = (np.maximum(lum_logo, lum_behind) + 0.05) / (np.minimum(lum_logo, lum_behind) + 0.05)
    share = float((ratios[ink] >= colour.MIN_GRAPHIC_CONTRAST).mean())
    if share >= 0.5:
        return None
    ground = "#{:02x}{:02x}{:02x}".format(*np.median(behind.reshape(-1, 3), axis=0).astype(int))
    return (
        f"only {share:.0%} of the logo reaches {colour.MIN_GRAPHIC_CONTRAST:g}:1 against "
        f"{ground} behind it; at least half must (use a version of the logo made for this "
        "background)"
    )
