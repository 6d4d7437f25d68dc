"""Copy-fitting: wrapping, balancing, break hints, shrinking, and ink that stays in its box."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardgen.fonts import FAMILY
from cardgen.project import Project
from cardgen.render import draw
from cardgen.text import Box, Face, FitError, clean_text, fit, wrap

FONTS = Project.open().fonts
M = FONTS.measurer


def box(**kw: object) -> Box:
    """A title-like box: 600px wide, 3 lines, 60px down to 44px."""
    spec: dict[str, object] = dict(
        slot="title",
        x=100,
        y=50,
        width=600,
        height=240,
        family=FAMILY,
        weight="bold",
        max_size=60,
        min_size=44,
        max_lines=3,
        line_height=1.12,
    )
    spec.update(kw)
    return Box(**spec)  # type: ignore[arg-type]


def width(text: str, size: float, weight: str = "bold") -> int:
    return M.extent(Face(FAMILY, weight, size), text).span


def test_short_text_is_one_line_at_max_size() -> None:
    result = fit("Better outcomes", box(), M)
    assert result.size == 60 and [line.text for line in result.lines] == ["Better outcomes"]


def test_never_breaks_inside_figures_or_hyphenated_words() -> None:
    text = "Savings of £1.2m and 1,400 well-being checks for 35% more people in Tower Hamlets"
    tokens = ("£1.2m", "1,400", "well-being", "35%")
    # Widths from very narrow (a break next to every token) to wide.
    for width in (180, 240, 320, 600):
        for size in (60, 52, 44):
            lines = wrap(text, box(width=width, max_lines=99), size, M)
            assert " ".join(lines) == text, "lines break only at spaces"
            words = [w for line in lines for w in line.split(" ")]
            for token in tokens:
                assert token in words, (token, lines)


def test_balance_avoids_a_lone_short_last_word() -> None:
    text = "Community ownership of the village hall keeps it open for all"
    # A box just wide enough for all but the last word: greedy wrapping strands "all".
    b = box(width=width(text.rsplit(" ", 1)[0], 60) + 2, max_lines=2)
    greedy = wrap(text, Box(**{**b.__dict__, "balance": False}), 60, M)
    balanced = wrap(text, b, 60, M)
    assert len(greedy) == len(balanced) == 2
    assert greedy[-1] == "all"
    spread = [abs(width(a, 60) - width(b_, 60)) for a, b_ in (greedy, balanced)]
    assert spread[1] < spread[0]
    assert len(balanced[-1].split()) > 1


def test_break_hints_split_the_slogan_after_each_equals() -> None:
    b = box(width=900, max_lines=3, break_after="=", weight="normal", max_size=40, min_size=28)
    lines = wrap("better commissioning = better value for money = better outcomes", b, 40, M)
    assert lines == ["better commissioning =", "better value for money =", "better outcomes"]


def test_break_hints_are_dropped_when_they_cost_too_many_lines() -> None:
    b = box(width=1100, max_lines=1, break_after="=", weight="normal", max_size=28, min_size=28)
    assert len(wrap("a = b = c", b, 28, M)) == 1


def test_shrinks_step_by_step_to_fit() -> None:
    text = "Joint commissioning of adult social care with the NHS keeps people at home"
    result = fit(text, box(), M)
    assert 44 <= result.size < 60
    assert (60 - result.size) % 2 == 0
    # One size up would not have fitted.
    assert len(wrap(text, box(), result.size + 2, M)) > 3 or any(
        width(line, result.size + 2) > 600 for line in wrap(text, box(), result.size + 2, M)
    )


def test_too_long_fails_with_counts_and_how_much_to_cut() -> None:
    text = " ".join(["commissioning"] * 20)
    with pytest.raises(FitError) as caught:
        fit(text, box(), M)
    exc = caught.value
    assert str(exc) == f"needs {exc.needed} lines at 44px, 3 fit"
    assert exc.needed > 3 and exc.excess > 100


def test_a_word_wider_than_the_box_is_broken_only_as_a_last_resort() -> None:
    b = box(width=300, max_lines=3)
    result = fit("Supercalifragilisticexpialidocious", b, M)
    assert result.size == 44 and len(result.lines) >= 2
    assert "".join(line.text for line in result.lines) == "Supercalifragilisticexpialidocious"


def test_hyphenated_word_wider_than_box_breaks_at_hyphen() -> None:
    b = box(width=360, max_lines=3)
    result = fit("Health-and-social-care-integration", b, M)
    assert len(result.lines) >= 2
    assert "".join(line.text for line in result.lines) == "Health-and-social-care-integration"
    assert all(line.text.endswith("-") for line in result.lines[:-1])


def test_alignment_keeps_ink_inside_box() -> None:
    for align in ("start", "middle", "end"):
        result = fit("Javelin jumps", box(align=align), M)
        face = Face(FAMILY, "bold", result.size)
        for line in result.lines:
            ext = M.extent(face, line.text)
            assert line.x + ext.ink_left >= 100 and line.x + ext.ink_right <= 700


def test_clean_text() -> None:
    assert clean_text("  a\u0000b\r\n c\u200b ") == "ab c"
    assert clean_text("e\u0301") == "\u00e9"


ALPHABET = st.characters(
    codec="latin-1", categories=("Lu", "Ll", "Nd", "Po", "Zs", "Sc", "Pd")
) | st.sampled_from(list("ŵŷ’“”–—…€"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(ALPHABET, min_size=1, max_size=140))
def test_fitted_lines_never_exceed_the_box(text: str) -> None:
    text = clean_text(text)
    b = box()
    try:
        result = fit(text, b, M)
    except FitError:
        return
    face = Face(FAMILY, "bold", result.size)
    ascent, descent = M.vertical(face)
    assert len(result.lines) <= 3
    for line in result.lines:
        ext = M.extent(face, line.text)
        assert line.x + min(ext.ink_left, 0) >= b.x
        assert line.x + ext.ink_right <= b.x + b.width
        assert line.y - ascent >= b.y and line.y + descent <= b.y + b.height


def _ink_bbox(text: str, b: Box) -> tuple[int, int, int, int] | None:
    """Render only the fitted text (kerned, one x per character as cardgen writes it), black on
    white, and return the ink's pixel bounds."""
    result = fit(text, b, M)
    spans = "".join(
        f'<tspan x="{" ".join(f"{x:g}" for x in line.xs)}" y="{line.y:g}">'
        f"{_escape(line.text)}</tspan>"
        for line in result.lines
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="340" viewBox="0 0 800 340">'
        '<rect width="800" height="340" fill="#fff"/>'
        f'<text font-family="{b.family}" font-weight="{b.weight}" font-size="{result.size:g}" '
        f'fill="#000">{spans}</text></svg>'
    )
    pixels = np.asarray(draw(svg.encode(), 800, 340, FONTS))
    ys, xs = np.nonzero(pixels.min(axis=2) < 255)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=25, deadline=None)
@given(st.text(ALPHABET, min_size=1, max_size=120))
def test_rendered_ink_stays_inside_the_box(text: str) -> None:
    text = clean_text(text)
    b = box()
    try:
        bbox = _ink_bbox(text, b)
    except FitError:
        return
    if bbox is None:
        return
    x0, y0, x1, y1 = bbox
    assert x0 >= b.x and x1 < b.x + b.width, (text, bbox)
    assert y0 >= b.y and y1 < b.y + b.height, (text, bbox)


@pytest.mark.parametrize(
    "text", ["Wyŵ jump", "Javelin", "“Quoted” — fj…", "ÅÉÎ ŴŶ gjpqy", "T" * 20]
)
def test_ink_of_awkward_glyphs_stays_inside(text: str) -> None:
    for align in ("start", "middle", "end"):
        b = box(align=align)
        x0, y0, x1, y1 = _ink_bbox(text, b)  # type: ignore[misc]
        assert b.x <= x0 and x1 < b.x + b.width and b.y <= y0 and y1 < b.y + b.height
