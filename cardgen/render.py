"""SVG to pixels with cairosvg, and pixels to PNG.

cairosvg draws into a cairo image surface; Pillow copies the pixels out, and a small PNG
writer of our own encodes them, compressed with ISA-L's deflate (the ``isal`` package): far
faster than cairo's PNG writer, Pillow's, or zlib at its fastest level (bench/).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import struct
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import CardgenError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image

    from .fonts import Fonts

PNG_LEVEL = 1  # ISA-L: 1–3 (0: stored); bench/: 1 is 5–8× faster than zlib's level 1 for
# a few % more bytes (photos: 6 ms instead of 33 for a portrait card)


def _fetch(url: str, resource_type: str) -> bytes:
    # cairosvg's own safe fetcher silently swaps a refused URL for an empty image; we refuse
    # loudly so a template that points at file://, http:// or a relative path is fixed.
    if url.startswith(_JPEG):
        return _jpeg_as_png(url)
    if url.startswith("data:"):
        from cairosvg.url import fetch

        return fetch(url, resource_type)
    raise CardgenError(
        f'external reference "{url}" refused: templates may only use '
        "data: URIs (embed project assets with asset())"
    )


_JPEG = "data:image/jpeg;base64,"


def _jpeg_as_png(url: str) -> bytes:
    """A JPEG ``data:`` URI (a card's photo) as an uncompressed PNG, which cairo reads
    directly. cairosvg would re-encode it through Pillow at full compression on every draw:
    bench/ measured this way at a fifth of the time."""
    import base64
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(url[len(_JPEG) :]))) as image:
            return encode_png(image.convert("RGB"), level=0)
    except (OSError, ValueError, SyntaxError) as exc:
        raise CardgenError(f"cannot read an embedded JPEG image: {exc}") from None


@contextlib.contextmanager
def surface(
    svg: bytes, width: int, height: int, fonts: Fonts, *, background: str | None = "#ffffff"
) -> Iterator[Any]:
    """cairosvg's drawing of an SVG, exactly ``width`` × ``height``, over white (or over
    nothing: ``background=None``); the cairo surface is finished when the block ends."""
    fonts.setup()
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface

    try:
        tree = Tree(bytestring=svg, unsafe=False, url_fetcher=_fetch)
        # output=None: draw only. The size is always given, so a huge declared canvas cannot
        # allocate gigabytes.
        drawn = PNGSurface(
            tree, None, 96, output_width=width, output_height=height, background_color=background
        )
    except CardgenError:
        raise
    except Exception as exc:  # cairosvg raises bare ValueError/ParseError for bad SVG
        raise CardgenError(f"cannot render SVG: {type(exc).__name__}: {exc}") from None
    drawn.cairo.flush()
    try:
        yield drawn
    finally:
        drawn.finish()


def draw(svg: bytes, width: int, height: int, fonts: Fonts) -> Image.Image:
    """Rasterise an SVG over white into an RGB image of exactly ``width`` × ``height``, with
    nothing but ``fonts``."""
    from PIL import Image

    with surface(svg, width, height, fonts) as drawn:
        cairo_image = drawn.cairo
        # Opaque premultiplied ARGB32 is plain BGRX in memory: Pillow copies it out in C.
        return Image.frombytes(
            "RGB", (width, height), cairo_image.get_data(), "raw", "BGRX", cairo_image.get_stride()
        )


@contextlib.contextmanager
def pixels(svg: bytes, width: int, height: int, fonts: Fonts) -> Iterator[NDArray[np.uint8]]:
    """As :func:`draw`, as a (height, width, 3) RGB view of cairo's own buffer, valid inside
    the ``with`` block (no copy: for pixel checks)."""
    import numpy as np

    with surface(svg, width, height, fonts) as drawn:
        cairo_image = drawn.cairo
        stride = cairo_image.get_stride()
        bgrx = np.frombuffer(cairo_image.get_data(), np.uint8).reshape(height, stride // 4, 4)
        yield bgrx[:, :width, 2::-1]


def encode_png(image: Image.Image, level: int = PNG_LEVEL) -> bytes:
    """Encode an RGB image as PNG: deterministic, no timestamps or text chunks.

    Written directly, every row unfiltered, deflated by ISA-L (a standard zlib stream that
    any PNG reader inflates): bench/ measured it several times faster than Pillow's encoder
    and than zlib, with files a few % larger.
    """
    from isal import isal_zlib

    width, height = image.size
    raw = image.convert("RGB").tobytes()
    stride = width * 3
    rows = b"".join(b"\x00" + raw[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = isal_zlib.crc32(tag + body)
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0) if level == 0 else isal_zlib.compress(rows, level))
        + chunk(b"IEND", b"")
    )


def render_png(svg: bytes, width: int, height: int, fonts: Fonts) -> bytes:
    """Rasterise and encode in one step."""
    return encode_png(draw(svg, width, height, fonts))


def stack_versions(fonts: Fonts) -> dict[str, Any]:
    """Versions of everything that decides the pixels, with the fonts' digest."""
    return {**_library_versions(), "fonts": fonts.digest[:16]}


@functools.cache
def _library_versions() -> dict[str, Any]:
    """Versions of everything that decides the pixels: part of cache keys and snapshot notes.

    Read without importing cairocffi (whose start-up parses C declarations for ~0.2 s), so a
    build with nothing to render stays fast.
    """
    from importlib.metadata import version

    from . import __version__

    return {
        "cardgen": __version__,
        "cairo": _c_version("libcairo.so.2", "cairo", "cairo_version_string"),
        "cairocffi": version("cairocffi"),
        "cairosvg": version("cairosvg"),
        "pillow": version("pillow"),
        "freetype": _c_version("libfreetype.so.6", "freetype", None),
        "fontconfig": _c_version("libfontconfig.so.1", "fontconfig", "FcGetVersion"),
        "uharfbuzz": version("uharfbuzz"),  # its HarfBuzz kerns the fitted text (built in)
        "isal": version("isal"),  # the PNG bytes, not the pixels, depend on it
    }


def _load(soname: str, name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(name)
        return ctypes.CDLL(found) if found else None


def _c_version(soname: str, name: str, symbol: str | None) -> str:
    lib = _load(soname, name)
    if lib is None:
        return "unknown"
    if symbol == "cairo_version_string":
        lib.cairo_version_string.restype = ctypes.c_char_p
        return lib.cairo_version_string().decode()
    if symbol == "FcGetVersion":
        raw = lib.FcGetVersion()
        return f"{raw // 10000}.{raw // 100 % 100}.{raw % 100}"
    library = ctypes.c_void_p()  # FreeType only tells its version through a library handle
    if lib.FT_Init_FreeType(ctypes.byref(library)):
        return "unknown"
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.FT_Library_Version(library, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    lib.FT_Done_FreeType(library)
    return f"{major.value}.{minor.value}.{patch.value}"
