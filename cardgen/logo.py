"""The brand's logo: read once from the project, checked, and prepared for the cards.

A logo is an SVG or a PNG file inside the project. It is never referenced by path from a
card: an SVG is drawn here (cairosvg, safe mode, bundled fonts only), and either way the
cards get a PNG with an alpha channel as a ``data:`` URI, its metadata dropped.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardgenError, Problem
from .geometry import Rect

if TYPE_CHECKING:
    from .formats import Format
    from .model import Campaign
    from .project import Project
    from .text import Box

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_TEXT = "5 MB"
MAX_PIXELS = 25_000_000  # a larger PNG is refused before it is decoded (a decompression bomb)
HEIGHT = 400  # px: the logo is prepared this high, more than any card draws it


def inside(project_root: Path, name: str) -> Path:
    """A path named in the campaign file, which must stay inside the project folder
    (no absolute path, no ``..`` out of it, no link that points out); ValueError says why."""
    if Path(name).is_absolute():
        raise ValueError(f'"{name}" is an absolute path: name a file inside the project folder')
    root = project_root.resolve()
    path = (project_root / name).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f'"{name}" points outside the project folder: keep the file inside it')
    if not path.exists():
        raise ValueError(f'"{name}" not found in the project folder')
    if not path.is_file():
        raise ValueError(f'"{name}" is not a file')
    return path


def load_logo(project: Project, campaign: Campaign) -> dict[str, Any] | None:
    """The logo as templates get it: ``href`` (PNG data URI), ``width``, ``height``, ``alt``
    and ``sha256``; None without one. Problems name the campaign file and ``brand.logo``."""
    name = campaign.brand.logo
    if not name:
        return None
    cache = project.cached("logo")
    try:
        path = inside(project.root, name)
        raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
        if raw is None:
            raise ValueError(f"the file is over {MAX_FILE_TEXT}; export a smaller one")
        key = hashlib.sha256(raw).hexdigest()
        if key not in cache:
            cache[key] = _prepare(raw, project)
    except (ValueError, OSError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else f"cannot read: {exc.strerror}"
        where = project.display(project.campaign_file)
        raise CardgenError(Problem(file=where, field="brand.logo", message=message)) from None
    png, width, height = cache[key]
    return {
        "href": "data:image/png;base64," + base64.b64encode(png).decode(),
        "width": width,
        "height": height,
        "alt": campaign.brand.logo_alt or campaign.organisation,
        "sha256": key,
        "min_height": campaign.brand.logo_min_height,
        "clear_space": campaign.brand.logo_clear_space,
    }


def _prepare(raw: bytes, project: Project) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of the logo, ``HEIGHT`` px high; ValueError if unusable."""
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        image = _read_png(raw)
    elif b"<svg" in raw[:4096]:
        image = _draw_svg(raw, project)
    else:
        raise ValueError("is neither an SVG nor a PNG file")
    from PIL import Image

    if image.height != HEIGHT:
        width = max(1, round(image.width * HEIGHT / image.height))
        image = image.resize((width, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)  # no text chunks: no metadata kept
    return out.getvalue(), image.width, image.height


def _read_png(raw: bytes) -> Any:
    from PIL import Image

    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"the PNG declares {width:,} × {height:,} pixels; at most {MAX_PIXELS:,} in all"
        )
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            return image.convert("RGBA")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError(f"the PNG cannot be read ({exc}); export it again") from None


def _draw_svg(raw: bytes, project: Project) -> Any:
    """An SVG logo drawn over nothing (transparent), ``HEIGHT`` px high."""
    import xml.etree.ElementTree as ET

    from PIL import Image

    from .render import surface
    from .rules import DOCTYPE

    if DOCTYPE.search(raw):
        raise ValueError("DOCTYPE and ENTITY declarations are not allowed in an SVG logo")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValueError(f"is not a well-formed SVG ({exc})") from None
    box = (root.get("viewBox") or "").replace(",", " ").split()
    sizes = box[2:] if len(box) == 4 else [root.get(k) or "" for k in ("width", "height")]
    try:
        width, height = (float(v.removesuffix("px")) for v in sizes)
    except ValueError:
        width = height = 0.0
    if not (width > 0 and height > 0):
        raise ValueError("the SVG needs a viewBox (or width and height in px) to know its shape")
    out_width = max(1, min(4 * HEIGHT, round(width * HEIGHT / height)))
    try:
        with surface(raw, out_width, HEIGHT, project.fonts, background=None) as drawn:
            cairo_image = drawn.cairo
            image = Image.frombuffer(
                "RGBA",
                (out_width, HEIGHT),
                bytes(cairo_image.get_data()),
                "raw",
                "BGRa",
                cairo_image.get_stride(),
            )
    except CardgenError as exc:
        raise ValueError(exc.problems[0].message) from None
    return image.copy()


@dataclass(frozen=True, kw_only=True)
class Placed(Rect):
    """Where a card draws the logo: the rectangle it fills inside its slot."""

    href: str


def place(attrs: dict[str, str], logo: dict[str, Any]) -> Placed:
    """The logo contained in its ``<image data-logo>`` slot, as SVG's ``preserveAspectRatio``
    (``meet``) places it; ValueError if the slot is malformed."""
    try:
        x, y = float(attrs.get("x", "0")), float(attrs.get("y", "0"))
        w, h = float(attrs["width"]), float(attrs["height"])
    except (KeyError, ValueError):
        raise ValueError("the logo slot needs x, y, width and height in px") from None
    align = attrs.get("preserveAspectRatio", "xMidYMid meet").split()
    if not align or align[0] == "none" or (len(align) > 1 and align[1] != "meet"):
        raise ValueError('the logo slot must keep the logo\'s shape: preserveAspectRatio "… meet"')
    aspect = logo["width"] / logo["height"]
    dw, dh = (h * aspect, h) if w / h > aspect else (w, w / aspect)
    shift = {"Min": 0.0, "Mid": 0.5, "Max": 1.0}
    try:
        fx, fy = shift[align[0][1:4]], shift[align[0][5:8]]
    except KeyError:
        raise ValueError(f"unknown preserveAspectRatio {align[0]!r}") from None
    return Placed(x=x + (w - dw) * fx, y=y + (h - dh) * fy, width=dw, height=dh, href=logo["href"])


def slot_problems(
    placed: Placed, boxes: list[Box], fmt: Format, *, min_height: float, clear: float
) -> list[str]:
    """The brand's rules for its logo: large enough, inside the safe margin, clear space."""
    found = []
    least = round(min_height * min(1.0, fmt.scale), 1)
    if placed.height < least - 0.01:
        found.append(
            f"the logo is drawn {placed.height:.0f}px high on the {fmt.name} card, too wide "
            f"for its slot; the brand's minimum is {least:g}px (brand.logo_min_height): use a "
            "stacked version of the logo, or a template with a wider slot"
        )
    if not placed.inside(fmt.width, fmt.height, fmt.safe):
        found.append(f"the logo reaches outside the {fmt.name} card's safe margin ({fmt.safe}px)")
    space = clear * placed.height
    for b in boxes:
        if placed.near(b, space):
            found.append(
                f"text box {b.slot!r} is within the logo's clear space ({space:g}px all round, "
                "brand.logo_clear_space)"
            )
    return found
