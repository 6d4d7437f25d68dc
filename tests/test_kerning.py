"""Kerning: HarfBuzz's pair kerning, written as one x per character, drawn where measured."""

from __future__ import annotations

import itertools
import math
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import uharfbuzz as hb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardgen import kerning
from cardgen.fonts import FACES, FAMILY
from cardgen.project import Project
from cardgen.render import draw
from cardgen.text import Face, Measurer, _Run, clean_text

from .conftest import CASES, card_svg

FONTS = Project.open().fonts
M = FONTS.measurer  # kerned
PLAIN = Measurer()  # the same cairo metrics, nothing kerned: how cairosvg sets text alone
SOURCE = "Source Sans 3"
SVG = "{http://www.w3.org/2000/svg}"


def _hb_kern(family: str, weight: str, pair: str) -> int:
    """The kerning of a pair in font units, straight from HarfBuzz's default shaping."""
    face = hb.Face(hb.Blob.from_file_path(str(FONTS.path(family, weight))))
    font = hb.Font(face)
    advances = []
    for features in ({"kern": True}, {"kern": False}):
        buf = hb.Buffer()
        buf.add_str(pair)
        buf.guess_segment_properties()
        hb.shape(font, buf, features)
        advances.append(buf.glyph_positions[0].x_advance)
    return advances[0] - advances[1]


@pytest.mark.parametrize(
    ("family", "pair"),
    [
        (FAMILY, "To"),
        (FAMILY, "AV"),
        (FAMILY, "Ty"),
        (SOURCE, "To"),
        (SOURCE, "AV"),
        (SOURCE, "Wa"),
    ],
)
def test_a_kerned_pair_measures_narrower(family: str, pair: str) -> None:
    face = Face(family, "bold", 60)  # a headline size
    kerned, plain = M.extent(face, pair), PLAIN.extent(face, pair)
    units = _hb_kern(family, "bold", pair)
    assert units < 0
    expected = round(units * 60 / 1000)  # both faces have 1000 units per em
    assert expected <= -1
    assert kerned.advance == pytest.approx(plain.advance + expected)
    assert kerned.span == plain.span + expected < plain.span
    assert M.positions(face, pair) == pytest.approx([0, M.glyph(face, pair[0])[2] + expected])


def test_small_kerning_rounds_to_whole_pixels() -> None:
    # Atkinson's bold "Wa" is kerned by 6 units: 0.36px at 60px, nothing after rounding
    # (cairo's hint metrics round every advance too), 0.6px → 1px at 100px.
    assert _hb_kern(FAMILY, "bold", "Wa") == -6
    assert M.kerns(Face(FAMILY, "bold", 60), "Wa")[1] == 0
    assert M.kerns(Face(FAMILY, "bold", 100), "Wa")[1] == -1


def test_a_line_is_kerned_as_harfbuzz_kerns_it_whole() -> None:
    """Words kerned one by one, each with its spaces, add up to the whole line shaped at once
    (the kerning module's claim), for every shipped text in every bundled face."""
    texts = []
    for path in sorted(CASES.glob("*.toml")):
        case = tomllib.loads(path.read_text(encoding="utf-8"))
        texts += [case.get(k) for k in ("title", "organisation", "summary")]
        texts += [o.get(k) for o in case.get("outcomes", []) for k in ("figure", "label")]
    texts = [clean_text(t) for t in texts if isinstance(t, str) and t]
    texts += ["Today Wa AVT To", "“Tŷ Gwyn” – T. Yates, P.A. Vowles", "x\u0301y To\u00a0Wa"]
    kerned_somewhere = 0
    for family, weight in FACES:
        loaded = M.kerning.font(family, weight)  # type: ignore[union-attr]
        assert loaded is not None
        font, upem = loaded
        face = Face(family, weight, 60)
        for text in texts:
            on = kerning.origins(font, text, kerning.KERNED)
            off = kerning.origins(font, text, kerning.UNKERNED)
            assert on is not None and off is not None, text
            moved = [a - b for a, b in zip(on, off, strict=True)]
            pen, whole = 0.0, []
            for i, ch in enumerate(text):
                pen += round((moved[i] - moved[i - 1]) * 60 / upem) if i else 0
                whole.append(pen)
                pen += M.glyph(face, ch)[2]
            assert M.positions(face, text) == pytest.approx(whole), (family, text)
            kerned_somewhere += whole != pytest.approx(PLAIN.positions(face, text))
    assert kerned_somewhere > len(texts)  # most texts have a kerned pair in most faces


def test_shaping_is_remembered_across_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = kerning.origins
    monkeypatch.setattr(
        kerning,
        "origins",
        lambda *a: calls.append(a[1]) or real(*a),  # type: ignore[func-returns-value]
    )
    m = Measurer(FONTS.folder)
    for size in (60, 58, 56, 44):
        m.extent(Face(FAMILY, "bold", size), "Today Wa AVT To")
    assert sorted(set(calls)) == [" AVT ", " To ", " Today ", " Wa "]
    assert len(calls) == 8  # each word shaped once kerned and once not, at every size


def test_a_word_harfbuzz_would_shape_differently_is_not_kerned() -> None:
    # Not NFC (clean_text composes it): HarfBuzz composes A + U+0301 into Á, one glyph for
    # two characters that cairosvg draws one by one, so the word is left unkerned.
    face = Face(FAMILY, "bold", 60)
    assert M.kerns(face, "A\u0301V") == (0, 0, 0, 0)
    assert M.kerns(face, "AV")[1] < 0
    assert M.positions(face, "A\u0301V") == pytest.approx(PLAIN.positions(face, "A\u0301V"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _canvas(body: str, width: int = 1200, height: int = 160) -> np.ndarray:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="#fff"/>'
        f"{body}</svg>"
    )
    return np.asarray(draw(svg.encode(), width, height, FONTS))


def _text(face: Face, inner: str) -> str:
    return (
        f'<text font-family="{face.family}" font-weight="{face.weight}" '
        f'font-size="{face.size:g}" fill="#000">{inner}</text>'
    )


def _tspan(face: Face, text: str, x0: float, y: float = 110) -> str:
    xs = " ".join(f"{x0 + p:g}" for p in M.positions(face, text))
    return _text(face, f'<tspan x="{xs}" y="{y:g}">{_escape(text)}</tspan>')


def _columns(pixels: np.ndarray) -> tuple[int, int] | None:
    xs = np.nonzero((pixels.min(axis=2) < 255).any(axis=0))[0]
    return (int(xs[0]), int(xs[-1])) if len(xs) else None


@pytest.mark.parametrize(
    "text", ["Today Wa AVT To", "“Tŷ Gwyn” ŵ", "To\u00a0Wa AV", "x\u0301y Ty", "fiord ffl"]
)
def test_cairosvg_draws_every_character_at_its_own_x(text: str) -> None:
    """One x per code point (spaces, no-break spaces and combining marks included): the
    tspan draws exactly what each character drawn alone at its position draws."""
    face = Face(FAMILY, "bold", 60)
    one = _canvas(_tspan(face, text, 40))
    alone = "".join(
        _text(face, f'<tspan x="{40 + p:g}" y="110">{_escape(ch)}</tspan>')
        for ch, p in zip(text, M.positions(face, text), strict=True)
        if not ch.isspace()
    )
    assert np.array_equal(one, _canvas(alone))
    # And it is kerned: the same text at cairo's own advances draws differently.
    assert not np.array_equal(one, _canvas(_text(face, f'<tspan x="40" y="110">{text}</tspan>')))


_GLYPH_INK: dict[tuple[Face, str], tuple[int, int] | None] = {}


def _glyph_ink(face: Face, ch: str) -> tuple[int, int] | None:
    """The columns one glyph inks, drawn alone with its origin at 0 (on a whole pixel)."""
    key = (face, ch)
    if key not in _GLYPH_INK:
        found = _columns(_canvas(_text(face, f'<tspan x="100" y="110">{_escape(ch)}</tspan>')))
        _GLYPH_INK[key] = None if found is None else (found[0] - 100, found[1] - 100)
    return _GLYPH_INK[key]


ALPHABET = st.sampled_from([*"TVWAYLPFKoaeyrv.,-’“”ŵŷ ", "\u00a0"]) | st.characters(
    codec="latin-1", categories=("Lu", "Ll", "Nd", "Po")
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(ALPHABET, min_size=1, max_size=30),
    st.sampled_from([(FAMILY, "bold"), (FAMILY, "normal"), (SOURCE, "bold")]),
    st.sampled_from([44, 52, 60]),
)
def test_rendered_ink_is_each_glyph_at_its_kerned_position(
    text: str, family_weight: tuple[str, str], size: int
) -> None:
    """Exact to the pixel: a kerned line's ink spans the glyphs' own ink at the positions
    measured; the measured extent (cairo's whole-pixel glyph boxes) holds it."""
    text = clean_text(text)
    face = Face(*family_weight, size)
    rendered = _columns(_canvas(_tspan(face, text, 40)))
    inks = [
        (40 + p + ink[0], 40 + p + ink[1])
        for ch, p in zip(text, M.positions(face, text), strict=True)
        if not ch.isspace() and (ink := _glyph_ink(face, ch)) is not None
    ]
    predicted = (round(min(a for a, _ in inks)), round(max(b for _, b in inks))) if inks else None
    assert rendered == predicted, text
    if rendered is not None:
        ext = M.extent(face, text)
        assert 40 + math.floor(ext.ink_left + 1e-6) <= rendered[0]
        assert rendered[1] <= 40 + math.ceil(ext.ink_right - 1e-6) - 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(ALPHABET.filter(lambda ch: ch != " "), min_size=1, max_size=12), max_size=8),
    st.sampled_from([(FAMILY, "bold"), (SOURCE, "normal")]),
    st.sampled_from([28, 44, 60]),
)
def test_measuring_and_positioning_agree(
    words: list[str], family_weight: tuple[str, str], size: int
) -> None:
    """The extent wrapping measures a line by (its words' extents, joined) is the ink of its
    glyphs at the positions written for drawing."""
    face = Face(*family_weight, size)
    text = " ".join(words)
    ext = M.extent(face, text)
    left, right = math.inf, -math.inf
    for ch, pen in zip(text, M.positions(face, text), strict=True):
        xb, w, _ = M.glyph(face, ch)
        if not ch.isspace() and w > 0:
            left, right = min(left, pen + xb), max(right, pen + xb + w)
    if left == math.inf:
        left = right = 0.0
    assert (ext.ink_left, ext.ink_right) == pytest.approx((left, right))
    if words:
        assert _Run(words, face, M).span(0, len(words)) == ext.span


KERNED_TITLES = [
    "Today We Travel To Kyoto, Wales And Vancouver",
    "AVTY Ways To Work: Young People Try Apprenticeships",
    "“Tŷ Gwyn” – Way Forward For Local Care",
]


@pytest.mark.parametrize("title", KERNED_TITLES)
def test_a_cards_kerned_title_inks_what_its_x_list_measures(
    runner, one_case_dir: Path, tmp_path: Path, title: str
) -> None:
    """On a real card: each title line's x list has one number per character, increasing,
    kerned; drawn alone on the card, the line inks exactly the columns measured from the
    same numbers."""
    case = one_case_dir / "small.toml"
    case.write_text(case.read_text().replace('"A short title"', f'"{title}"'), encoding="utf-8")
    path = card_svg(runner, one_case_dir, tmp_path / "out")
    svg = path.read_bytes()
    root = ET.fromstring(svg)
    title_el = next(el for el in root.iter(f"{SVG}text") if el.get("id") == "title")
    face = Face(
        title_el.get("font-family", ""),
        title_el.get("font-weight", ""),
        float(title_el.get("font-size", "0")),
    )
    spans = title_el.findall(f"{SVG}tspan")
    assert " ".join(s.text or "" for s in spans) == title
    # The card drawn without its title: what each line's ink is found against.
    for s in spans:
        title_el.remove(s)
    background = np.asarray(draw(ET.tostring(root), 1200, 675, FONTS)).astype(np.int16)
    kerned_lines = 0
    for span in spans:
        text = span.text or ""
        xs = [float(x) for x in (span.get("x") or "").split()]
        assert len(xs) == len(text)
        assert all(a < b for a, b in itertools.pairwise(xs))
        assert xs == pytest.approx([xs[0] + p for p in M.positions(face, text)])
        kerned_lines += xs != pytest.approx([xs[0] + p for p in PLAIN.positions(face, text)])
        title_el.append(span)
        drawn = np.asarray(draw(ET.tostring(root), 1200, 675, FONTS)).astype(np.int16)
        title_el.remove(span)
        columns = np.nonzero((np.abs(drawn - background).max(axis=2) > 0).any(axis=0))[0]
        ext = M.extent(face, text)
        measured = (
            math.floor(xs[0] + ext.ink_left + 1e-6),
            math.ceil(xs[0] + ext.ink_right - 1e-6) - 1,
        )
        assert (int(columns[0]), int(columns[-1])) == measured, text
    assert kerned_lines == len(spans)
