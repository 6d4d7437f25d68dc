"""Tests for cardgen.imagediff: pixel comparison, budgets, diff images and the HTML report."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from cardgen.imagediff import (
    ANTIALIASED,
    DEFAULT_BUDGET,
    DIFFERENT,
    SAME,
    Budget,
    DiffResult,
    ReportEntry,
    SizeMismatch,
    compare,
    composite,
    diff_image,
    summary,
    write_artifacts,
    write_report,
)

FONTS = Path(__file__).resolve().parents[1] / "fonts"
BOLD = FONTS / "AtkinsonHyperlegibleNext_700Bold.ttf"
W, H = 1200, 675
HEADLINE = "Cut deploy time by 73% in six weeks"


@cache
def card(
    headline: str = HEADLINE, fill: str = "#1e293b", dy: int = 0, size: tuple[int, int] = (W, H)
) -> Image.Image:
    """A synthetic card: dark background, filled panel, a 48 px bold headline and a badge."""
    im = Image.new("RGB", size, "#0f172a")
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((60, 60, size[0] - 60, size[1] - 60), 24, fill=fill)
    draw.text((100, 140 + dy), headline, font=ImageFont.truetype(str(BOLD), 48), fill="#f8fafc")
    draw.ellipse((900, 400, 1050, 550), fill="#f59e0b")
    return im


def text_strip(dx: float, supersample: int = 10) -> Image.Image:
    """One 48 px bold line drawn large and box-filtered down, so dx can be a fraction of a pixel."""
    s, w, h = supersample, 1000, 80
    big = Image.new("RGB", (w * s, h * s), "#1e293b")
    font = ImageFont.truetype(str(BOLD), 48 * s)
    ImageDraw.Draw(big).text(((20 + dx) * s, 10 * s), HEADLINE, font=font, fill="#f8fafc")
    return big.resize((w, h), Image.Resampling.BOX)


def test_identical_images() -> None:
    result = compare(card(), card().copy())
    assert result.identical
    assert (result.diff_pixels, result.aa_pixels, result.ratio, result.rms) == (0, 0, 0.0, 0.0)
    assert result.mask.shape == (H, W) and result.mask.dtype == np.uint8 and not result.mask.any()
    assert result.passed(Budget()) and result.passed(DEFAULT_BUDGET)
    assert summary(result) == "identical"


def test_one_step_fill_colour_change_fails() -> None:
    # #1e293b -> #1f293b is far below pixelmatch's 0.1 threshold, but it fills a flat area.
    result = compare(card(fill="#1f293b"), card())
    assert not result.identical
    assert 0 < result.rms < 1
    panel_interior = (W - 2 * 60 - 48) * (H - 2 * 60 - 48)
    assert result.diff_pixels > panel_interior * 0.9
    assert result.mask[H // 2 - 100, 200] == DIFFERENT
    assert not result.passed(DEFAULT_BUDGET)
    assert not result.passed(Budget())


def test_faint_change_off_flat_areas_counts_in_rms_only() -> None:
    # A one-step change of a 1 px line: no pixel has three identical neighbours, so it is
    # treated like anti-aliasing noise below the threshold; only RMS (and identical) show it.
    expected = Image.new("RGB", (200, 100), "#0f172a")
    ImageDraw.Draw(expected).line((10, 50, 190, 50), fill="#1e293b")
    actual = Image.new("RGB", (200, 100), "#0f172a")
    ImageDraw.Draw(actual).line((10, 50, 190, 50), fill="#1f293b")
    result = compare(actual, expected)
    assert not result.identical and result.rms > 0
    assert result.diff_pixels == 0 and result.aa_pixels == 0
    assert result.passed(Budget()) and result.passed(DEFAULT_BUDGET)
    assert not result.passed(Budget(max_rms=result.rms / 2))
    assert compare(actual, expected, threshold=0.0).diff_pixels == 181


def test_two_pixel_shift_of_text_line_fails() -> None:
    result = compare(card(dy=2), card())
    assert result.diff_pixels > 1000
    assert not result.passed(DEFAULT_BUDGET)


@pytest.mark.parametrize(
    "headline",
    [HEADLINE.replace("six", "ten"), HEADLINE.replace("73", "78"), HEADLINE.replace("73", "75")],
)
def test_changed_word_or_digit_fails(headline: str) -> None:
    result = compare(card(headline=headline), card())
    assert result.diff_pixels > DEFAULT_BUDGET.allowed(W, H)
    assert not result.passed(DEFAULT_BUDGET)


@pytest.mark.parametrize("dx", [0.2, 0.3, 0.5])
def test_subpixel_text_shift_is_antialiasing_and_passes(dx: float) -> None:
    result = compare(text_strip(dx), text_strip(0.0))
    assert not result.identical
    assert result.aa_pixels > 20 * max(result.diff_pixels, 1)
    assert result.passed(DEFAULT_BUDGET)
    assert (result.mask == ANTIALIASED).sum() == result.aa_pixels


def test_size_mismatch_names_both_sizes() -> None:
    with pytest.raises(SizeMismatch) as caught:
        compare(card(), card(size=(1200, 630)))
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "size differs: actual 1200×675, expected 1200×630"


def test_ratio_is_a_fraction_not_a_percent() -> None:
    black, white = Image.new("RGB", (10, 10), "black"), Image.new("RGB", (10, 10), "white")
    result = compare(black, white)
    assert result.diff_pixels == 100 and result.ratio == 1.0
    assert result.rms == pytest.approx(255.0)
    one = Image.new("RGB", (100, 100), "white")
    one.putpixel((50, 50), (0, 0, 0))
    result = compare(one, Image.new("RGB", (100, 100), "white"))
    assert result.diff_pixels == 1 and result.ratio == pytest.approx(0.0001)


def test_alpha_is_composited_over_white() -> None:
    clear = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    result = compare(clear, Image.new("RGB", (20, 20), "white"))
    assert not result.identical
    assert (result.diff_pixels, result.rms) == (0, 0.0)
    half = Image.new("RGBA", (20, 20), (0, 0, 0, 128))
    assert compare(half, Image.new("RGB", (20, 20), (127, 127, 127))).rms < 0.6


def test_accepts_paths(tmp_path: Path) -> None:
    card().save(tmp_path / "a.png")
    card(fill="#1f293b").save(tmp_path / "b.png")
    assert compare(str(tmp_path / "a.png"), tmp_path / "a.png").identical
    assert compare(tmp_path / "b.png", card()).diff_pixels > 0


def test_budget_smaller_limit_wins_and_validates() -> None:
    assert Budget(max_diff_pixels=100, max_diff_ratio=0.001).allowed(W, H) == 100
    assert Budget(max_diff_pixels=100, max_diff_ratio=0.0001).allowed(W, H) == 81
    assert Budget(max_diff_pixels=1000, max_diff_ratio=0.5).allowed(10, 10) == 50
    assert Budget().allowed(W, H) == 0
    with pytest.raises(ValueError):
        Budget(max_diff_ratio=5)  # a percent, not a ratio
    with pytest.raises(ValueError):
        Budget(threshold=-0.1)


def test_passed_counts_against_allowed_and_rms() -> None:
    one = Image.new("RGB", (100, 100), "white")
    one.putpixel((50, 50), (0, 0, 0))
    result = compare(one, Image.new("RGB", (100, 100), "white"))
    assert not result.passed(Budget())
    assert result.passed(Budget(max_diff_pixels=1, max_diff_ratio=0.0001))
    assert not result.passed(Budget(max_diff_pixels=1, max_diff_ratio=0.00009))
    assert not result.passed(Budget(max_diff_pixels=1, max_diff_ratio=1, max_rms=1.0))


def test_passed_rejects_a_budget_with_another_threshold() -> None:
    result = compare(card(fill="#1f293b"), card(), threshold=0.2)
    with pytest.raises(ValueError, match="threshold"):
        result.passed(DEFAULT_BUDGET)


def _edge_pair() -> tuple[np.ndarray, np.ndarray]:
    """Black | grey edge | white fields, and the same with the edge lighter and one black
    pixel turned white."""
    base = np.zeros((9, 9, 3), np.uint8)
    base[:, 5:] = 255
    base[:, 4] = 100
    changed = base.copy()
    changed[:, 4] = 160
    changed[2, 1] = 255
    return base, changed


def test_antialiased_edge_pixel_is_classed_as_aa() -> None:
    # A grey column between black and white fields is an anti-aliased edge; changing its grey
    # is anti-aliasing, while changing a pixel inside the black field is a real difference.
    base, changed = _edge_pair()
    result = compare(Image.fromarray(changed), Image.fromarray(base))
    assert (result.mask[:, 4] == ANTIALIASED).all()
    assert result.mask[2, 1] == DIFFERENT
    assert (result.diff_pixels, result.aa_pixels) == (1, 9)


# A loop-per-pixel reading of pixelmatch (plus the flat-area rule) to check the vectorised one.
def _reference_mask(img1: np.ndarray, img2: np.ndarray, threshold: float) -> np.ndarray:
    h, w = img1.shape[:2]

    def blend(px: np.ndarray) -> list[float]:
        return [255 + (float(c) - 255) * px[3] / 255 for c in px[:3]]

    def luma(px: np.ndarray) -> float:
        r, g, b = blend(px)
        return r * 0.29889531 + g * 0.58662247 + b * 0.11448223

    def yiq_delta(p1: np.ndarray, p2: np.ndarray) -> float:
        dr, dg, db = (c1 - c2 for c1, c2 in zip(blend(p1), blend(p2), strict=True))
        y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223
        i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189
        q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694
        return 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q

    def around(x: int, y: int) -> list[tuple[int, int]]:
        return [
            (x + dx, y + dy)
            for dx in (-1, 0, 1)  # x outer, y inner: the scan order decides ties
            for dy in (-1, 0, 1)
            if (dx or dy) and 0 <= x + dx < w and 0 <= y + dy < h
        ]

    def edge(x: int, y: int) -> int:
        return int(x in (0, w - 1) or y in (0, h - 1))

    def many_siblings(img: np.ndarray, x: int, y: int) -> bool:
        same = sum(bool((img[ny, nx] == img[y, x]).all()) for nx, ny in around(x, y))
        return edge(x, y) + same >= 3

    def antialiased(img: np.ndarray, other: np.ndarray, x: int, y: int) -> bool:
        zeros, low, high, low_at, high_at = edge(x, y), 0.0, 0.0, None, None
        for nx, ny in around(x, y):
            d = luma(img[y, x]) - luma(img[ny, nx])
            if d == 0:
                zeros += 1
            elif d < low:
                low, low_at = d, (nx, ny)
            elif d > high:
                high, high_at = d, (nx, ny)
        if zeros > 2 or low_at is None or high_at is None:
            return False
        return any(many_siblings(img, *p) and many_siblings(other, *p) for p in (low_at, high_at))

    mask = np.zeros((h, w), np.uint8)
    for y in range(h):
        for x in range(w):
            if (img1[y, x] == img2[y, x]).all():
                continue
            d = yiq_delta(img1[y, x], img2[y, x])
            if d > 35215 * threshold * threshold:
                aa = antialiased(img1, img2, x, y) or antialiased(img2, img1, x, y)
                mask[y, x] = ANTIALIASED if aa else DIFFERENT
            elif d > 0 and many_siblings(img1, x, y) and many_siblings(img2, x, y):
                mask[y, x] = DIFFERENT
    return mask


# Well-separated brightness values, so float32 and float64 agree on every comparison.
PALETTE = np.array(
    [[0, 0, 0, 255], [255, 255, 255, 255], [128, 128, 128, 255], [200, 30, 30, 255],
     [30, 60, 200, 255], [129, 128, 128, 255], [0, 0, 0, 0], [90, 200, 90, 160]],
    np.uint8,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    data=st.data(),
    threshold=st.sampled_from([0.0, 0.05, 0.1, 0.3]),
)
def test_matches_reference_on_small_images(
    size: tuple[int, int], data: st.DataObject, threshold: float
) -> None:
    h, w = size
    first = data.draw(st.lists(st.integers(0, 3), min_size=h * w, max_size=h * w))
    edits = data.draw(st.lists(st.tuples(st.integers(0, h * w - 1), st.integers(0, 7))))
    second = list(first)
    for at, colour in edits:
        second[at] = colour
    img1 = PALETTE[np.array(first)].reshape(h, w, 4)
    img2 = PALETTE[np.array(second)].reshape(h, w, 4)
    result = compare(
        Image.fromarray(img1, "RGBA"), Image.fromarray(img2, "RGBA"), threshold=threshold
    )
    expected = _reference_mask(img1, img2, threshold)
    np.testing.assert_array_equal(result.mask, expected)
    assert result.diff_pixels == (expected == DIFFERENT).sum()
    assert result.aa_pixels == (expected == ANTIALIASED).sum()
    assert 0.0 <= result.ratio <= 1.0
    assert result.identical == (first == second)
    swapped = compare(
        Image.fromarray(img2, "RGBA"), Image.fromarray(img1, "RGBA"), threshold=threshold
    )
    np.testing.assert_array_equal(swapped.mask, result.mask)


@pytest.mark.parametrize("changes", [12, 3000])
def test_matches_reference_on_blocky_image(changes: int) -> None:
    # Large flat blocks with noisy seams: few scattered changes take the gather path of the
    # anti-aliasing test, many changes the whole-box path.
    rng = np.random.default_rng(changes)
    blocks = rng.integers(0, 6, (8, 8))
    img1 = PALETTE[np.kron(blocks, np.ones((8, 8), int))]
    seams = rng.random((64, 64)) < 0.1
    img1[seams] = PALETTE[rng.integers(0, 6, seams.sum())]
    img2 = img1.copy()
    at = rng.choice(64 * 64, changes, replace=False)
    img2.reshape(-1, 4)[at] = PALETTE[rng.integers(0, 6, changes)]
    result = compare(Image.fromarray(img1, "RGBA"), Image.fromarray(img2, "RGBA"))
    np.testing.assert_array_equal(result.mask, _reference_mask(img1, img2, 0.1))


def test_diff_image_colours() -> None:
    base, changed = _edge_pair()
    result = compare(Image.fromarray(changed), Image.fromarray(base))
    out = np.asarray(diff_image(Image.fromarray(changed), Image.fromarray(base), result))
    assert out.shape == (9, 9, 3)
    assert tuple(out[2, 1]) == (255, 0, 0)
    assert tuple(out[0, 4]) == (255, 255, 0)
    unchanged = out[result.mask == SAME]
    assert (unchanged[:, 0] == unchanged[:, 1]).all() and unchanged.min() >= 225  # faded grey


def test_composite_places_three_labelled_panels() -> None:
    result = compare(card(fill="#1f293b"), card())
    diff = diff_image(card(fill="#1f293b"), card(), result)
    out = composite(card(fill="#1f293b"), card(), diff)
    assert out.width > 3 * W and out.height > H
    assert out.mode == "RGB"


def test_summary_line() -> None:
    result = DiffResult(W, H, 1234, 87, 1234 / (W * H), 0.84, False, np.zeros((H, W), np.uint8))
    assert summary(result) == "1,234 px differ (ratio 0.00152), 87 anti-aliasing, RMS 0.84"


def test_write_artifacts(tmp_path: Path) -> None:
    actual, expected = card(fill="#1f293b"), card()
    result = compare(actual, expected)
    paths = write_artifacts("case.twitter", actual, expected, result, tmp_path / "out")
    assert set(paths) == {"actual", "expected", "diff", "composite"}
    for kind, path in paths.items():
        assert path == tmp_path / "out" / f"case.twitter.{kind}.png"
        assert path.is_file()
    assert compare(paths["actual"], actual).identical
    with pytest.raises(ValueError):
        write_artifacts("../escape", actual, expected, result, tmp_path)


def test_write_report_lists_failures_first(tmp_path: Path) -> None:
    result = compare(card(fill="#1f293b"), card())
    shots = write_artifacts("<b>bad&", card(fill="#1f293b"), card(), result, tmp_path / "img")
    entries = [
        ReportEntry("all-good", "passed", "identical", {}),
        ReportEntry("<b>bad&", "failed", summary(result), shots),
        ReportEntry("brand-new", "new", "no reference yet", {"actual": shots["actual"]}),
        ReportEntry("resized", "size mismatch", "size differs: actual 1200×675, expected 1200×630"),
    ]
    index = write_report(entries, tmp_path)
    assert index == tmp_path / "index.html"
    page = index.read_text(encoding="utf-8")
    names = ("&lt;b&gt;bad&amp;", "resized", "brand-new", "all-good")
    order = [page.index(f"<h2>{name}</h2>") for name in names]
    assert order == sorted(order)
    assert "<b>bad" not in page
    assert summary(result).replace(",", "") in page.replace(",", "")
    sources = re.findall(r'src="([^"]+)"', page)
    assert len(sources) == 4 and all(src.startswith("img/") for src in sources)
    assert "http" not in page and "<link" not in page and "<script" not in page
    with pytest.raises(ValueError):
        ReportEntry("x", "broken", "")
