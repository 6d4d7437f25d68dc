"""Pixel comparison of rendered cards against reference PNGs, after pixelmatch's method.

Colour distance is pixelmatch's YIQ metric and anti-aliased pixels are found from each pixel's
3x3 neighbourhood as pixelmatch does, computed with whole-array numpy operations. One addition:
a change inside a flat area (three or more identical neighbours in both images) counts however
faint it is, so a one-step change of a fill colour is not lost below the threshold.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image, ImageDraw

ImageInput = Image.Image | str | os.PathLike[str]

MAX_YIQ_DELTA = 35215.0  # YIQ distance between black and white
_Y = np.array([0.29889531, 0.58662247, 0.11448223], np.float32)
_I = np.array([0.59597799, -0.27417610, -0.32180189], np.float32)
_Q = np.array([0.21147017, -0.52261711, 0.31114694], np.float32)
# Neighbour offsets (dx, dy) in pixelmatch's scan order (x outer, y inner): ties for the
# darkest/brightest neighbour go to the first one met, so the order decides the outcome.
_NEIGHBOURS = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]
_DX = np.array([dx for dx, _ in _NEIGHBOURS])
_DY = np.array([dy for _, dy in _NEIGHBOURS])
SAME, ANTIALIASED, DIFFERENT = 0, 1, 2


class SizeMismatch(ValueError):
    """The two images differ in size, so they cannot be compared pixel by pixel."""

    def __init__(self, actual: tuple[int, int], expected: tuple[int, int]) -> None:
        self.actual, self.expected = actual, expected
        super().__init__(
            f"size differs: actual {actual[0]}×{actual[1]}, expected {expected[0]}×{expected[1]}"
        )


@dataclass(frozen=True)
class Budget:
    """How much difference a snapshot may show and still pass."""

    max_diff_pixels: int = 0
    max_diff_ratio: float = 0.0
    threshold: float = 0.1  # pixelmatch YIQ threshold, 0..1
    max_rms: float | None = None  # optional cap that fails a faint global colour change

    def __post_init__(self) -> None:
        if self.max_diff_pixels < 0 or not 0 <= self.max_diff_ratio <= 1:
            raise ValueError("max_diff_pixels must be >= 0 and max_diff_ratio within 0..1")
        if not 0 <= self.threshold <= 1 or (self.max_rms is not None and self.max_rms < 0):
            raise ValueError("threshold must be within 0..1 and max_rms >= 0")

    def allowed(self, width: int, height: int) -> int:
        """Differing pixels allowed in a width×height image: the smaller limit wins."""
        return min(self.max_diff_pixels, math.floor(self.max_diff_ratio * width * height))


# Tolerates the anti-aliasing noise of sub-pixel text shifts on large or bold text (a 48 px
# bold line shifted 0.1-0.5 px leaves <= 25 pixels not recognised as anti-aliasing) yet fails
# a changed digit even at 20-32 px (57-78 pixels), a changed word, a 2 px shift and, through
# the flat-area rule, a one-step fill colour change. Thin small text shifted 0.2 px or more
# also fails: that noise overlaps a changed digit, and catching content changes matters more.
# The 0.1% ratio only bites below 50,000 pixels. RMS cannot tell a faint fill change (~0.5)
# from harmless edge noise (1-3), so it is left unset.
DEFAULT_BUDGET = Budget(max_diff_pixels=50, max_diff_ratio=0.001, threshold=0.1)


@dataclass(frozen=True)
class DiffResult:
    """Outcome of comparing two equally sized images."""

    width: int
    height: int
    diff_pixels: int  # differing pixels not anti-aliasing: over threshold, or in flat areas
    aa_pixels: int  # differing pixels classed as anti-aliasing
    ratio: float  # diff_pixels / (width*height), 0..1
    rms: float  # RMS of per-channel differences over all pixels, 0..255
    identical: bool
    mask: np.ndarray = field(repr=False, compare=False)  # (H, W) uint8: SAME/ANTIALIASED/DIFFERENT
    threshold: float = 0.1  # the YIQ threshold the counts were made with

    def passed(self, budget: Budget) -> bool:
        """True if the difference fits within budget."""
        if self.identical:
            return True
        if not math.isclose(budget.threshold, self.threshold, abs_tol=1e-12):
            raise ValueError(
                f"result was counted at threshold {self.threshold}, budget uses "
                f"{budget.threshold}: call compare(..., threshold=budget.threshold)"
            )
        if self.diff_pixels > budget.allowed(self.width, self.height):
            return False
        return budget.max_rms is None or self.rms <= budget.max_rms


def _open(image: ImageInput) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    with Image.open(image) as im:
        im.load()
        return im


def _rgba(image: ImageInput) -> np.ndarray:
    return np.asarray(_open(image).convert("RGBA"))


def _blend(rgba: np.ndarray) -> list[np.ndarray]:
    """R, G, B planes as float32 with alpha composited over white, as pixelmatch does."""
    # Separate planes: numpy is slow on arrays whose last axis is only 3 or 4 long.
    planes = [rgba[..., c].astype(np.float32) for c in range(3)]
    alpha = rgba[..., 3]
    if alpha.min() < 255:
        opacity = alpha / np.float32(255)
        planes = [255 + (p - 255) * opacity for p in planes]
    return planes


def _luma(rgba: np.ndarray) -> np.ndarray:
    """Brightness (YIQ's Y) of alpha-over-white pixels."""
    r, g, b = _blend(rgba)
    return r * _Y[0] + g * _Y[1] + b * _Y[2]


def _sibling_counts(packed: np.ndarray) -> np.ndarray:
    """Per pixel: identical 8-neighbours, plus one on the image border (pixelmatch's rule)."""
    h, w = packed.shape
    counts = np.zeros((h, w), np.uint8)
    # Each equality serves both pixels of a pair, so four directions cover all eight.
    for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
        xa, xb = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
        eq = packed[: h - dy, xa] == packed[dy:, xb]
        counts[: h - dy, xa] += eq
        counts[dy:, xb] += eq
    border = np.zeros((h, w), bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    return counts + border


def _slopes(centre: np.ndarray, neighbours: Iterator[np.ndarray]) -> list[np.ndarray]:
    """Equal-brightness neighbour count and first darkest/brightest neighbour per pixel."""
    zeros = np.zeros(centre.shape, np.uint8)
    darkest, brightest = np.zeros(centre.shape, np.float32), np.zeros(centre.shape, np.float32)
    k_dark, k_bright = np.zeros(centre.shape, np.int8), np.zeros(centre.shape, np.int8)
    delta, flag, step = np.empty_like(darkest), np.empty(centre.shape, bool), np.empty_like(k_dark)
    for k, neighbour in enumerate(neighbours):
        np.subtract(centre, neighbour, out=delta)
        zeros += np.equal(delta, 0, out=flag)
        # Arithmetic select, not masked assignment: several times faster on noisy masks.
        for best, k_best, better, keep in (
            (darkest, k_dark, np.less, np.fmin),
            (brightest, k_bright, np.greater, np.fmax),
        ):
            better(delta, best, out=flag)
            np.subtract(k, k_best, out=step)
            k_best += step * flag
            keep(best, delta, out=best)
    return [zeros, darkest, brightest, k_dark, k_bright]


def _near(flags: np.ndarray) -> np.ndarray:
    """Pixels with a flagged pixel in their 3x3 neighbourhood (centre included)."""
    out = flags.copy()
    out[1:] |= flags[:-1]
    out[:-1] |= flags[1:]
    rows = out.copy()
    out[:, 1:] |= rows[:, :-1]
    out[:, :-1] |= rows[:, 1:]
    return out


def _antialiased(
    rgba: np.ndarray, possible: np.ndarray, both_many: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """Pixelmatch's anti-aliasing test for the pixels at flat indices idx of one image."""
    h, w = possible.shape
    result = np.zeros(len(idx), bool)
    maybe = np.flatnonzero(possible.ravel().take(idx))
    if not len(maybe):
        return result
    idx = idx[maybe]
    ys = idx // w
    xs = idx - ys * w
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    bh, bw = y1 - y0, x1 - x0
    # Brightness of the candidates' bounding box plus a one-pixel ring; NaN outside the image
    # never compares equal, smaller or larger, so missing neighbours drop out on their own.
    luma = np.full((bh + 2, bw + 2), np.nan, np.float32)
    ry0, ry1, rx0, rx1 = max(y0 - 1, 0), min(y1 + 1, h), max(x0 - 1, 0), min(x1 + 1, w)
    luma[ry0 - y0 + 1 : ry1 - y0 + 1, rx0 - x0 + 1 : rx1 - x0 + 1] = _luma(rgba[ry0:ry1, rx0:rx1])
    if len(idx) * 8 < bh * bw:  # few candidates in a large box: gather their neighbourhoods
        flat, at = luma.ravel(), (ys - y0 + 1) * (bw + 2) + (xs - x0 + 1)
        stats = _slopes(
            flat.take(at), (flat.take(at + dy * (bw + 2) + dx) for dx, dy in _NEIGHBOURS)
        )
    else:  # dense: whole-box shifted views are cheaper than gathers
        views = (luma[1 + dy : 1 + dy + bh, 1 + dx : 1 + dx + bw] for dx, dy in _NEIGHBOURS)
        box = (ys - y0) * bw + (xs - x0)
        stats = [s.ravel().take(box) for s in _slopes(luma[1:-1, 1:-1], views)]
    zeros, darkest, brightest, k_dark, k_bright = stats
    on_border = (ys == 0) | (ys == h - 1) | (xs == 0) | (xs == w - 1)
    slope = (zeros + on_border <= 2) & (darkest < 0) & (brightest > 0)
    # Where slope holds, the chosen neighbours exist; elsewhere clipping keeps take in range.
    offsets, many = _DY * w + _DX, both_many.ravel()
    dark = many.take(idx + offsets[k_dark], mode="clip")
    bright = many.take(idx + offsets[k_bright], mode="clip")
    result[maybe] = slope & (dark | bright)
    return result


def compare(actual: ImageInput, expected: ImageInput, *, threshold: float = 0.1) -> DiffResult:
    """Compare two images pixel by pixel (pixelmatch's YIQ delta and anti-aliasing test)."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be within 0..1, got {threshold}")
    a, e = _rgba(actual), _rgba(expected)
    if a.shape != e.shape:
        raise SizeMismatch((a.shape[1], a.shape[0]), (e.shape[1], e.shape[0]))
    h, w = a.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    if np.array_equal(a, e):
        return DiffResult(w, h, 0, 0, 0.0, 0.0, True, mask, threshold)
    pa, pe = a.view(np.uint32)[..., 0], e.view(np.uint32)[..., 0]
    changed = np.flatnonzero(pa != pe)
    ca = pa.ravel().take(changed).view(np.uint8).reshape(-1, 4)
    ce = pe.ravel().take(changed).view(np.uint8).reshape(-1, 4)
    d = [ac - ec for ac, ec in zip(_blend(ca), _blend(ce), strict=True)]
    y, i, q = (d[0] * c[0] + d[1] * c[1] + d[2] * c[2] for c in (_Y, _I, _Q))
    delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q
    rms = math.sqrt(sum(float(np.square(c, dtype=np.float64).sum()) for c in d) / (h * w * 3))

    sa, se = _sibling_counts(pa), _sibling_counts(pe)
    both_many = (sa >= 3) & (se >= 3)
    over = delta > MAX_YIQ_DELTA * threshold * threshold
    # Below the threshold only changes inside flat areas count: anti-aliasing noise never sits
    # among three identical neighbours in both images, but a changed fill colour does.
    faint = changed[~over & (delta > 0)]
    faint = faint[both_many.ravel().take(faint)]
    over = changed[over]
    aa = np.zeros(len(over), bool)
    if len(over):
        near_many = _near(both_many)
        for rgba, siblings in ((a, sa), (e, se)):
            # Cheap necessary conditions first: at most two identical neighbours (else three
            # zero deltas), and some neighbour with many siblings in both images.
            possible = (siblings <= 2) & near_many
            todo = np.flatnonzero(~aa)
            aa[todo] = _antialiased(rgba, possible, both_many, over[todo])
    np.put(mask, over, np.where(aa, ANTIALIASED, DIFFERENT))
    np.put(mask, faint, DIFFERENT)
    n_aa = int(aa.sum())
    n_diff = len(over) - n_aa + len(faint)
    return DiffResult(w, h, n_diff, n_aa, n_diff / (w * h), rms, False, mask, threshold)


def diff_image(actual: ImageInput, expected: ImageInput, result: DiffResult) -> Image.Image:
    """Faded expected image: differences red, anti-aliasing yellow, uncounted faint changes pink."""
    a, e = _rgba(actual), _rgba(expected)
    if a.shape != e.shape or e.shape[:2] != result.mask.shape:
        raise SizeMismatch((a.shape[1], a.shape[0]), (e.shape[1], e.shape[0]))
    grey = (255 + (_luma(e) - 255) * 0.1).astype(np.uint8)  # pixelmatch's alpha 0.1
    out = np.repeat(grey[..., None], 3, axis=2)
    faint = (result.mask == SAME) & (a.view(np.uint32)[..., 0] != e.view(np.uint32)[..., 0])
    out[faint] = (255, 170, 200)
    out[result.mask == ANTIALIASED] = (255, 255, 0)
    out[result.mask == DIFFERENT] = (255, 0, 0)
    return Image.fromarray(out, "RGB")


def _on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


def composite(
    actual: ImageInput, expected: ImageInput, diff: Image.Image | None = None
) -> Image.Image:
    """Side by side: expected | actual | diff, each with a small label above it."""
    panels = [("expected", _open(expected)), ("actual", _open(actual))]
    if diff is not None:
        panels.append(("diff", diff))
    gap, label_h = 8, 16
    width = sum(im.width for _, im in panels) + gap * (len(panels) + 1)
    height = max(im.height for _, im in panels) + label_h + 2 * gap
    canvas = Image.new("RGB", (width, height), (229, 231, 235))
    draw, x = ImageDraw.Draw(canvas), gap
    for label, im in panels:
        draw.text((x, gap // 2), f"{label} {im.width}x{im.height}", fill=(17, 24, 39))
        canvas.paste(_on_white(im), (x, gap + label_h))
        x += im.width + gap
    return canvas


def summary(result: DiffResult) -> str:
    """One line, e.g. "1,234 px differ (ratio 0.00152), 87 anti-aliasing, RMS 0.84"."""
    if result.identical:
        return "identical"
    return (
        f"{result.diff_pixels:,} px differ (ratio {result.ratio:.3g}), "
        f"{result.aa_pixels:,} anti-aliasing, RMS {result.rms:.2f}"
    )


def write_artifacts(
    name: str,
    actual: ImageInput,
    expected: ImageInput,
    result: DiffResult | None,
    folder: str | os.PathLike[str],
) -> dict[str, Path]:
    """Write <name>.actual/.expected/.diff/.composite.png into folder; result None skips diff."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"artifact name must be a plain file name, got {name!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = {"actual": _open(actual), "expected": _open(expected)}
    if result is not None:
        images["diff"] = diff_image(actual, expected, result)
    images["composite"] = composite(actual, expected, images.get("diff"))
    paths = {}
    for kind, im in images.items():
        paths[kind] = folder / f"{name}.{kind}.png"
        if im.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            im = im.convert("RGBA")  # PNG cannot hold it as it is (CMYK, YCbCr, ...)
        im.save(paths[kind])
    return paths


STATUSES = ("failed", "size mismatch", "missing", "new", "passed")  # report order


@dataclass(frozen=True)
class ReportEntry:
    """One snapshot in the HTML report."""

    name: str
    status: str  # one of STATUSES
    message: str = ""
    images: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


_CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#111827;background:#f9fafb}
section{background:#fff;border:1px solid #e5e7eb;border-left:6px solid #9ca3af;
border-radius:6px;padding:12px 16px;margin:0 0 16px}
section.failed,section.size-mismatch,section.missing{border-left-color:#dc2626}
section.new{border-left-color:#d97706}section.passed{border-left-color:#16a34a}
h2{font-size:16px;margin:0 0 4px}.status{font-weight:600;text-transform:uppercase;font-size:12px}
figure{display:inline-block;margin:8px 12px 0 0;vertical-align:top}
img{max-width:400px;border:1px solid #d1d5db}figcaption{font-size:12px;color:#6b7280}"""


def write_report(entries: list[ReportEntry], folder: str | os.PathLike[str]) -> Path:
    """Write a self-contained index.html listing entries, failures first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(entries, key=lambda entry: STATUSES.index(entry.status))
    counts = ", ".join(f"{n} {s}" for s in STATUSES if (n := sum(e.status == s for e in entries)))
    body = [f"<h1>Snapshot report</h1><p>{html.escape(counts or 'no snapshots')}</p>"]
    for entry in ordered:
        figures = []
        for kind in ("expected", "actual", "diff"):
            if kind in entry.images:
                rel = Path(os.path.relpath(Path(entry.images[kind]).resolve(), folder.resolve()))
                src = html.escape(quote(rel.as_posix()))
                figures.append(
                    f'<figure><img src="{src}" alt="{kind}" loading="lazy">'
                    f"<figcaption>{kind}</figcaption></figure>"
                )
        body.append(
            f'<section class="{entry.status.replace(" ", "-")}">'
            f"<h2>{html.escape(entry.name)}</h2>"
            f'<div class="status">{html.escape(entry.status)}</div>'
            f"<p>{html.escape(entry.message)}</p>{''.join(figures)}</section>"
        )
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Snapshot report</title><style>{_CSS}</style></head>\n"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def check_file(
    name: str,
    actual: Path,
    expected: Path,
    folder: Path,
    budget: Budget = DEFAULT_BUDGET,
) -> tuple[ReportEntry, DiffResult | None]:
    """Compare one rendered PNG with its reference; on a failure write the artefacts.

    ``name`` may contain "/" ("twitter/launch"); artefact file names flatten it ("twitter--launch").
    """
    flat = name.replace("/", "--")
    if not expected.exists():
        return ReportEntry(name, "missing", f"no reference at {expected}"), None
    try:
        result = compare(actual, expected, threshold=budget.threshold)
    except SizeMismatch as exc:
        images = write_artifacts(flat, actual, expected, None, folder)
        return ReportEntry(name, "size mismatch", str(exc), images), None
    if result.passed(budget):
        return ReportEntry(name, "passed", summary(result)), result
    images = write_artifacts(flat, actual, expected, result, folder)
    allowed = budget.allowed(result.width, result.height)
    message = f"{summary(result)}; budget {allowed:,} px"
    return ReportEntry(name, "failed", message, images), result
