"""Case photos: found in the project's assets, prepared once, cropped to each card's frame.

Planning only reads the file's bytes (their hash is part of every cache key) and its first
bytes (is it a JPEG, PNG or WebP?): a build with nothing to draw never decodes a photo.

Drawing decodes it once per file version and process: EXIF orientation applied, converted
to sRGB, flattened to RGB, scaled down to what the largest format can show. A card's
``<image data-photo>`` frame then gets a crop of exactly its size in pixels, chosen to cover
the frame around the case's focus point (never stretched), encoded as a JPEG that holds
nothing but pixels (no EXIF, no GPS position, no ICC profile, no comment) and embedded as a
``data:`` URI: a tenth of a PNG's bytes, which cairosvg parses and :mod:`cardgen.render`
decodes on each draw.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardgenError, Problem

if TYPE_CHECKING:
    from PIL import Image

    from .model import Loaded
    from .project import Project

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_FILE_TEXT = "30 MB"
MAX_PIXELS = 60_000_000  # a 48-megapixel phone photo is fine; a decompression bomb is not
MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


class PhotoError(ValueError):
    """A photo that cannot be used: the message says why, in words for whoever chose it."""


def kind_of(head: bytes) -> str | None:
    """ "JPEG", "PNG" or "WEBP" from a file's first bytes; None for anything else."""
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def locate(project: Project, name: str, assets: Path | None = None) -> tuple[Path, bytes]:
    """The photo's path and bytes: inside the project's assets folder (no link out of the
    project), an image file of a sane size; PhotoError says why not. (``assets``: another
    folder to look in and stay inside: cardgen's own, for the preview's stress row.)"""
    folder = assets or project.assets_dir
    root = (assets or project.root).resolve()
    if name.startswith("assets/") and not (folder / name).exists():
        name = name.removeprefix("assets/")  # named from the project folder, as a logo is
    path = (folder / name).resolve()
    if not path.is_relative_to(root):
        raise PhotoError(f'"{name}" points outside the project folder: keep photos in assets/')
    if not path.is_file():
        raise PhotoError(f'"{name}" not found: put the photo in {project.display(folder / name)}')
    if path.stat().st_size > MAX_FILE_BYTES:
        raise PhotoError(f'"{name}" is over {MAX_FILE_TEXT}: export a smaller copy (JPEG)')
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PhotoError(f'"{name}" cannot be read: {exc.strerror}') from None
    if kind_of(raw[:16]) is None:
        raise PhotoError(f'"{name}" is not a JPEG, PNG or WebP image')
    return path, raw


def reference(project: Project, loaded: Loaded) -> dict[str, Any] | None:
    """What a case's template context says about its photo (JSON, hashed into cache keys):
    the file, the hash of its bytes, its alt text, credit and focus; None without a photo.
    A problem names the case file and the ``photo`` field."""
    case = loaded.case
    if not case.photo:
        return None
    try:
        path, raw = locate(project, case.photo, loaded.assets)
    except PhotoError as exc:
        raise CardgenError(
            Problem(file=loaded.where, field="photo", message=str(exc), slug=loaded.slug)
        ) from None
    root = project.root.resolve()
    return {
        "file": path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "alt": case.photo_alt,
        "credit": case.photo_credit,
        "focus": list(case.photo_focus),
    }


@dataclass(frozen=True, kw_only=True)
class Master:
    """A photo decoded, upright, sRGB, RGB, scaled to what any card can show."""

    image: Image.Image
    width: int  # the photo's own size, upright, before scaling
    height: int


def master(project: Project, ref: dict[str, Any]) -> Master:
    """The prepared photo, decoded once per file version and process."""
    cache = project.cached("photo")
    key = ref["sha256"]
    if key not in cache:
        raw = (project.root / ref["file"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != key:
            raise PhotoError("the file changed while cards were being drawn: build again")
        need = max(max(f.width, f.height) for f in project.formats.values())
        cache[key] = prepare(raw, need)
    return cache[key]


def prepare(raw: bytes, need: int) -> Master:
    """Decode, orient, convert to sRGB RGB and scale so its short side is at most ``need``
    px (any frame up to ``need`` × ``need`` can still be covered at full resolution)."""
    from PIL import Image, ImageOps

    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # we check the size ourselves,
    try:  # from the header, before a pixel is decoded (Image.open reads only the header)
        image = Image.open(io.BytesIO(raw))
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"the image cannot be read ({_reason(exc)}); export it again") from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoError(
            f"the image declares {width:,} × {height:,} pixels; at most {MAX_PIXELS // 10**6} "
            "megapixels: export a smaller copy"
        )
    if image.format not in ("JPEG", "PNG", "WEBP"):
        raise PhotoError(f"is a {image.format} image; use a JPEG, PNG or WebP file")
    orientation = image.getexif().get(0x0112, 1)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if image.format == "JPEG" and min(image.size) > 2 * need:
        image.draft("RGB", (need, need))  # libjpeg decodes at 1/2, 1/4 or 1/8: far faster
    try:
        image.load()
        icc = image.info.get("icc_profile")
        if orientation != 1:
            image = ImageOps.exif_transpose(image)
        image = _srgb(image, icc)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError(
            f"the image is cut short or damaged ({_reason(exc)}); export it again"
        ) from None
    short = min(image.size)
    if short > need:
        size = (round(image.width * need / short), round(image.height * need / short))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return Master(image=image, width=width, height=height)


def _reason(exc: Exception) -> str:
    return str(exc).split("\n")[0][:120] or type(exc).__name__


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """The photo's pixels in sRGB, as plain RGB: its ICC profile applied (a wide-gamut or
    CMYK photo would otherwise look dull or wrong), transparency flattened onto white."""
    from PIL import Image, ImageCms

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode == "RGB" and ImageCms.getProfileDescription(source).startswith("sRGB"):
                return image  # already sRGB: converting would only cost time
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels are taken as sRGB, as browsers do
    return image.convert("RGB")


def cover(photo: Master, width: int, height: int, focus: tuple[float, float]) -> Image.Image:
    """Exactly ``width`` × ``height`` px of the photo: scaled to cover the frame, cropped
    around ``focus`` (kept as near the frame's centre as the photo's edges allow)."""
    from PIL import Image

    image = photo.image
    scale = max(width / image.width, height / image.height)
    # One side spans the whole photo; rounding must not take it past the photo's edge.
    crop_w, crop_h = min(image.width, width / scale), min(image.height, height / scale)
    fx, fy = focus
    left = max(0.0, min(fx * image.width - crop_w / 2, image.width - crop_w))
    top = max(0.0, min(fy * image.height - crop_h / 2, image.height - crop_h))
    box = (left, top, left + crop_w, top + crop_h)
    # Bilinear (Pillow widens the filter when it shrinks, so it averages, not skips), after a
    # box reduction by a whole factor when the crop shrinks 3× or more (reducing_gap):
    # bench/ measured it 2–4× faster than Lanczos, and no softer to the eye at card sizes.
    return image.resize((width, height), Image.Resampling.BILINEAR, box=box, reducing_gap=1.5)


def size_problem(photo: Master, width: float, height: float, card: str) -> tuple[str, bool]:
    """('', False) if the photo has the pixels its frame shows; else the message, and
    whether it is an error (below half the frame's size) rather than a warning."""
    enlarge = max(width / photo.width, height / photo.height)
    if enlarge <= 1:
        return "", False
    need_w, need_h = round(width), round(height)
    message = (
        f"the photo is {photo.width} × {photo.height} px; the {card} card's photo frame "
        f"shows it at {need_w} × {need_h} px (enlarged {enlarge:.1f}×, it will look soft)"
    )
    if enlarge > 2:
        return message + ": use a larger photo, at least half the frame's size", True
    return message + ": a larger photo would look sharper", False


def framed(
    project: Project, ref: dict[str, Any], width: float, height: float, *, half: bool = False
) -> str:
    """The ``data:`` URI of the photo's crop for a frame of ``width`` × ``height`` px (``half``:
    at half its resolution, for the contrast check, which draws the card at half size)."""
    size = (max(1, round(width)), max(1, round(height)))
    focus = (float(ref["focus"][0]), float(ref["focus"][1]))
    crops = project.cached("photo-crops")
    uris = project.cached("photo-uris")
    key = (ref["sha256"], size, focus)
    if (key, half) not in uris:
        if len(uris) > 32:  # a preview session sees many: keep memory bounded
            uris.clear()
            crops.clear()
        if key not in crops:
            crops[key] = cover(master(project, ref), *size, focus)
        image = crops[key].reduce(2) if half and min(size) > 1 else crops[key]
        uris[key, half] = "data:image/jpeg;base64," + base64.b64encode(jpeg(image)).decode()
    return uris[key, half]  # type: ignore[no-any-return]


JPEG_QUALITY = 92  # at the frame's own size: no visible loss, a tenth of a PNG's bytes


def jpeg(image: Image.Image) -> bytes:
    """The pixels as a baseline JPEG and nothing else: no EXIF, no ICC profile, no comment
    (only the JFIF header that marks a JPEG's pixels as plain sRGB-like YCbCr)."""
    out = io.BytesIO()
    fresh = image.convert("RGB")  # a new image: none of the source's info travels with it
    fresh.info.clear()
    fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False, exif=b"", icc_profile=None)
    return out.getvalue()


@dataclass(frozen=True)
class Frames:
    """A case's photo as the fitting pass uses it: sizes checked, crops made on demand."""

    project: Project
    ref: dict[str, Any]

    def size_problem(self, width: float, height: float, card: str) -> tuple[str, bool]:
        """See :func:`size_problem`; PhotoError if the photo cannot be decoded."""
        return size_problem(master(self.project, self.ref), width, height, card)

    def href(self, width: float, height: float, *, half: bool = False) -> str:
        """The crop for a frame of this size, as a ``data:`` URI (``half``: see framed)."""
        return framed(self.project, self.ref, width, height, half=half)
