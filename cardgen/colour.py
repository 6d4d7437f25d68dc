"""Colours: parsing hex colours and WCAG 2 contrast, for themes, text slots and graphics."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported only where pixels are handled
    import numpy as np
    from numpy.typing import NDArray

MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA for text; nothing on a phone-sized card counts as large
MIN_GRAPHIC_CONTRAST = 3.0  # WCAG 2.1 SC 1.4.11: charts, icons and logos
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
HEX_HINT = "use a hex colour such as #005EA5"
_NAMED = {"white": "#ffffff", "black": "#000000"}

RGB = tuple[int, int, int]


def parse(colour: str) -> RGB | None:
    """``#rrggbb``, ``#rgb``, ``white`` or ``black`` as (r, g, b); None for anything else."""
    colour = _NAMED.get(colour.strip().lower(), colour.strip())
    if not HEX.match(colour):
        return None
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def normalise(colour: str) -> str:
    """A colour as lower-case ``#rrggbb`` (the form templates and the manifest get)."""
    rgb = parse(colour)
    if rgb is None:
        raise ValueError(f"{colour!r} is not a colour: {HEX_HINT}")
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def linear(channel: int) -> float:
    """An sRGB channel (0-255) in linear light, as WCAG 2 defines it."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance of an (r, g, b) colour."""
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: float, b: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances (1 to 21)."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours written as :func:`parse` accepts them."""
    return ratio(luminance(_rgb(a)), luminance(_rgb(b)))


def _rgb(colour: str) -> RGB:
    rgb = parse(colour)
    if rgb is None:
        raise ValueError(f"{colour!r} is not a colour: {HEX_HINT}")
    return rgb


@functools.cache
def _table() -> NDArray[np.float32]:
    import numpy as np

    return np.array([linear(c) for c in range(256)], dtype=np.float32)


def luminance_array(pixels: NDArray[np.uint8]) -> NDArray[np.float32]:
    """WCAG 2 relative luminance of every pixel of an (..., 3) array of 0-255 sRGB values."""
    import numpy as np

    lut = _table()
    rgb = np.asarray(pixels)
    return lut[rgb[..., 0]] * 0.2126 + lut[rgb[..., 1]] * 0.7152 + lut[rgb[..., 2]] * 0.0722


def ratio_array(a: NDArray[np.float32], b: float) -> NDArray[np.float32]:
    """WCAG 2 contrast ratio between an array of luminances and one luminance."""
    import numpy as np

    return (np.maximum(a, b) + 0.05) / (np.minimum(a, b) + 0.05)
