"""SVG to pixels with cairosvg, and pixels to PNG with Pillow.

cairosvg draws into a cairo image surface; we take the pixels from it and let Pillow encode
them, which is both faster than cairo's own PNG writer and lets us pick the zlib level.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from . import fonts
from .errors import CardgenError

PNG_LEVEL = 1  # see bench/: level 1 is ~2x faster than 6 for ~40% more bytes, well under 5 MB


class RefusedReference(CardgenError):
    """A template tried to load something other than an embedded ``data:`` URI."""


def _fetch(url: str, resource_type: str) -> bytes:
    # cairosvg's own safe fetcher silently swaps a refused URL for an empty image; we refuse
    # loudly so a template that points at file://, http:// or a relative path is fixed.
    if url.startswith("data:"):
        from cairosvg.url import fetch

        return fetch(url, resource_type)
    raise RefusedReference(
        f'external reference "{url}" refused: templates may only use '
        "data: URIs (embed project assets with asset())"
    )


def draw(svg: bytes, width: int, height: int) -> np.ndarray:
    """Rasterise an SVG to an (height, width, 3) uint8 RGB array over white."""
    fonts.setup_fontconfig()
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface

    try:
        tree = Tree(bytestring=svg, unsafe=False, url_fetcher=_fetch)
        # output=None: draw only; always pass the size so a huge declared canvas cannot
        # allocate gigabytes.
        surface = PNGSurface(tree, None, 96, output_width=width, output_height=height)
    except CardgenError:
        raise
    except Exception as exc:  # cairosvg raises bare ValueError/ParseError for bad SVG
        raise CardgenError(f"cannot render SVG: {type(exc).__name__}: {exc}") from None
    image = surface.cairo
    image.flush()
    stride = image.get_stride()
    data = np.frombuffer(image.get_data(), dtype=np.uint8).reshape(height, stride // 4, 4)
    bgra = data[:, :width]
    # Premultiplied BGRA over white: c + (255 - alpha).
    alpha = bgra[..., 3:4].astype(np.uint16)
    rgb = bgra[..., 2::-1].astype(np.uint16) + (255 - alpha)
    result = np.minimum(rgb, 255).astype(np.uint8)
    surface.finish()
    return result


def encode_png(pixels: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """Encode RGB pixels as PNG: deterministic (no timestamps or text chunks)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def render_png(svg: bytes, width: int, height: int) -> bytes:
    """Rasterise and encode in one step."""
    return encode_png(draw(svg, width, height))


def stack_versions() -> dict[str, Any]:
    """Versions of everything that decides the pixels: part of cache keys and snapshot notes."""
    import cairocffi
    import cairosvg
    import PIL

    from . import __version__

    return {
        "cardgen": __version__,
        "cairo": cairocffi.cairo_version_string(),
        "cairocffi": cairocffi.VERSION,
        "cairosvg": cairosvg.__version__,
        "pillow": PIL.__version__,
        "freetype": _freetype_version(),
        "fontconfig": _fontconfig_version(),
        "fonts": fonts.fonts_digest()[:16],
    }


def _library_version(name: str, symbol: str) -> str:
    import ctypes
    import ctypes.util

    path = ctypes.util.find_library(name)
    if not path:
        return "unknown"
    lib = ctypes.CDLL(path)
    return str(getattr(lib, symbol)())


def _fontconfig_version() -> str:
    raw = int(_library_version("fontconfig", "FcGetVersion") or 0)
    return f"{raw // 10000}.{raw // 100 % 100}.{raw % 100}"


def _freetype_version() -> str:
    import ctypes
    import ctypes.util

    path = ctypes.util.find_library("freetype")
    if not path:
        return "unknown"
    lib = ctypes.CDLL(path)
    library = ctypes.c_void_p()
    if lib.FT_Init_FreeType(ctypes.byref(library)):
        return "unknown"
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.FT_Library_Version(library, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    lib.FT_Done_FreeType(library)
    return f"{major.value}.{minor.value}.{patch.value}"
