"""Cleaning, measuring, wrapping and fitting text into declared boxes.

Text is measured with cairo itself, through the same toy font API, bundled fonts and
fontconfig that cairosvg draws with. Left alone, cairosvg places each glyph at the previous
one's x_advance (advances rounded to whole pixels by hint metrics) with no kerning; cardgen
instead gives it every character's x: cairo's advance plus the font's kerning for that pair
(:mod:`cardgen.kerning`, HarfBuzz), rounded to a whole pixel. Measurement and drawing use the
same positions, so summing the per-character extents at them reproduces the rendered ink
exactly.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .fonts import LOOKALIKES
from .geometry import Rect
from .kerning import Kerning

_SPACE_RUN = re.compile(r"[^\S\u00a0]+")  # runs of whitespace, but a no-break space stays
_LOOKALIKE_SET = frozenset(LOOKALIKES)


def clean_text(value: str, covered: frozenset[int] | None = None) -> str:
    """NFC-normalise, drop control characters, collapse whitespace; given the code points the
    fonts draw (``covered``), map look-alikes of characters they lack to ones they have."""
    if value.isascii() and value.isprintable():  # most text: nothing to normalise or drop
        return " ".join(value.split())
    if covered is not None:
        value = map_lookalikes(value, covered)
    value = unicodedata.normalize("NFC", value)
    out = []
    for ch in value:
        if ch in "\t\n\r\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            continue  # pasted control and format characters draw as boxes or nothing
        else:
            out.append(ch)
    return _SPACE_RUN.sub(" ", "".join(out)).strip()


def map_lookalikes(value: str, covered: frozenset[int]) -> str:
    """Characters pasted from Word or e-mail that the fonts lack, as ones they have."""
    if value.isascii() or _LOOKALIKE_SET.isdisjoint(value):
        return value
    return "".join(
        LOOKALIKES[ch] if ch in LOOKALIKES and ord(ch) not in covered else ch for ch in value
    )


@dataclass(frozen=True)
class Face:
    """A bundled face at a size, as a template names it."""

    family: str
    weight: str  # "normal" | "bold"
    size: float


@dataclass(frozen=True)
class Extent:
    """Horizontal metrics of a run of text drawn from pen position 0."""

    ink_left: float  # leftmost ink relative to the pen start (may be negative)
    ink_right: float  # rightmost ink relative to the pen start
    advance: float  # where the pen ends
    # Kerning (whole pixels) between a space and the first character, and between the last
    # character and a space: what setting the run between spaces adds to its neighbours.
    kern_before: float = 0.0
    kern_after: float = 0.0

    @property
    def span(self) -> int:
        """Whole pixels the ink touches when the pen starts on a pixel boundary."""
        if self.ink_right <= self.ink_left:
            return 0
        # The tolerance keeps float noise from summing advances in a different order from
        # turning an exact 216.0 into 217 pixels.
        return math.ceil(self.ink_right - 1e-6) - math.floor(min(self.ink_left, 0.0) + 1e-6)


class Measurer:
    """Per-process cache of cairo glyph extents and kerned positions for the bundled faces.

    ``folder`` is the bundled fonts' folder, whose files HarfBuzz reads for kerning; without
    it nothing is kerned (glyphs at cairo's advances, as cairosvg sets text on its own).
    """

    def __init__(self, folder: Path | None = None) -> None:
        import cairocffi  # after Fonts.setup(): fontconfig reads its file once

        self._cairo = cairocffi
        self._ctx = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 1, 1))
        self.kerning = Kerning(folder) if folder is not None else None
        self._glyphs: dict[tuple[Face, str], tuple[float, float, float]] = {}
        self._vertical: dict[Face, tuple[float, float]] = {}
        self._kerns: dict[tuple[Face, str], tuple[int, ...]] = {}
        self._extents: dict[tuple[Face, str], Extent] = {}  # words recur across sizes and cards
        # Whole fits recur too: the slogan, a service's label, the hashtag line on every card.
        self.fits: dict[tuple[str, Box, float | None], Fit | FitError] = {}
        self._current: Face | None = None

    def _select(self, face: Face) -> None:
        if self._current != face:
            weight = (
                self._cairo.FONT_WEIGHT_BOLD
                if face.weight == "bold"
                else self._cairo.FONT_WEIGHT_NORMAL
            )
            self._ctx.select_font_face(face.family, self._cairo.FONT_SLANT_NORMAL, weight)
            self._ctx.set_font_size(face.size)
            self._current = face

    def glyph(self, face: Face, ch: str) -> tuple[float, float, float]:
        """(x_bearing, ink width, x_advance) of one character."""
        key = (face, ch)
        found = self._glyphs.get(key)
        if found is None:
            self._select(face)
            xb, _, w, _, adv, _ = self._ctx.text_extents(ch)
            found = self._glyphs[key] = (xb, w, adv)
        return found

    def vertical(self, face: Face) -> tuple[float, float]:
        """(ascent, descent) of the face: the line box that every glyph fits in."""
        found = self._vertical.get(face)
        if found is None:
            self._select(face)
            ascent, descent = self._ctx.font_extents()[:2]
            found = self._vertical[face] = (ascent, descent)
        return found

    def kerns(self, face: Face, word: str) -> tuple[int, ...]:
        """Kerning in whole pixels at each boundary of ``word`` (a run without spaces) set
        between two spaces: ``len(word) + 1`` figures, the first after the space before it,
        the last before the space after it."""
        key = (face, word)
        found = self._kerns.get(key)
        if found is None:
            found = self._kerns[key] = (
                self.kerning.pixels(face.family, face.weight, word, face.size)
                if self.kerning is not None
                else (0,) * (len(word) + 1)
            )
        return found

    def extent(self, face: Face, text: str) -> Extent:
        """Ink and advance of ``text`` as cairosvg will draw it at :meth:`positions`."""
        key = (face, text)
        found = self._extents.get(key)
        if found is None:
            found = self._extents[key] = self._measure(face, text)
        return found

    def positions(self, face: Face, text: str) -> list[float]:
        """The pen position of every character of ``text`` (one per code point, spaces
        included), from 0: cairo's advances plus kerning. What a tspan's x list holds."""
        out: list[float] = []
        pen, before = 0.0, None
        space = self.glyph(face, " ")[2]
        for word in text.split(" "):
            kerns = self.kerns(face, word)
            if before is not None:  # the space between the previous word and this one
                pen += before
                out.append(pen)
                pen += space + kerns[0]
            for i, ch in enumerate(word):
                pen += kerns[i] if i else 0
                out.append(pen)
                pen += self.glyph(face, ch)[2]
            before = kerns[-1]
        return out

    def _measure(self, face: Face, text: str) -> Extent:
        if " " in text:  # a line: its words' extents, set as a line sets them
            words = [self.extent(face, word) for word in text.split(" ")]
            return join(words, self.glyph(face, " ")[2])
        kerns = self.kerns(face, text)
        pen = 0.0
        left, right = math.inf, -math.inf
        for i, ch in enumerate(text):
            pen += kerns[i] if i else 0
            xb, w, adv = self.glyph(face, ch)
            if not ch.isspace() and w > 0:  # cairosvg draws no spaces
                left = min(left, pen + xb)
                right = max(right, pen + xb + w)
            pen += adv
        if left == math.inf:
            left = right = 0.0
        return Extent(left, right, pen, kern_before=kerns[0], kern_after=kerns[-1])


def join(words: Sequence[Extent], space: float) -> Extent:
    """The extent of runs set one after another with a space (of advance ``space``) between
    each two: the pen moves on by the run, the kerning either side of the space and the
    space, and the ink is the runs' ink where they start."""
    pen, left, right = 0.0, math.inf, -math.inf
    for k, e in enumerate(words):
        if k:
            pen += words[k - 1].kern_after + space + e.kern_before
        if e.ink_right > e.ink_left:
            left, right = min(left, pen + e.ink_left), max(right, pen + e.ink_right)
        pen += e.advance
    if left == math.inf:
        left = right = 0.0
    first, last = (words[0], words[-1]) if words else (Extent(0, 0, 0), Extent(0, 0, 0))
    return Extent(left, right, pen, kern_before=first.kern_before, kern_after=last.kern_after)


@dataclass(frozen=True, kw_only=True)
class Box(Rect):
    """A text box declared in a template (``<text data-box=...>``): where, in which face,
    at which sizes, and what it shows."""

    slot: str  # its name in fit reports and problems: id, data-slot or data-field
    family: str
    weight: str
    max_size: float
    min_size: float
    max_lines: int = 99
    line_height: float = 1.2
    align: Literal["start", "middle", "end"] = "start"
    valign: Literal["top", "middle", "bottom"] = "top"
    step: float = 2.0
    balance: bool = True
    break_after: str = ""  # characters after which a line break is preferred, e.g. "="
    field: str = ""  # the case or campaign field it shows (data-field), if any
    group: str = ""  # boxes of one data-group are set at one size
    fill: str = "#000000"  # its text colour, for the contrast check

    def sizes(self, cap: float | None = None) -> list[float]:
        """Candidate font sizes, largest (at most ``cap``) first, always ending on the minimum."""
        out, size = (
            [],
            self.max_size if cap is None else max(self.min_size, min(cap, self.max_size)),
        )
        while size > self.min_size:
            out.append(size)
            size -= self.step
        out.append(self.min_size)
        return out


@dataclass(frozen=True, kw_only=True)
class Line:
    """A placed line: its text, the pen position of its first glyph, and of every character
    (kerned: one x per code point of ``text``, as the tspan's x list)."""

    text: str
    x: float
    y: float
    xs: tuple[float, ...] = ()


@dataclass(frozen=True)
class Fit:
    """The outcome of fitting text into a box."""

    box: Box
    size: float
    lines: tuple[Line, ...] = ()


class FitError(ValueError):
    """Text that cannot fit its box even at the minimum size."""

    def __init__(self, box: Box, needed: int, fit: int, excess: int) -> None:
        self.box, self.needed, self.fit, self.excess = box, needed, fit, excess
        super().__init__(f"needs {needed} lines at {box.min_size:g}px, {fit} fit")


class _Run:
    """Words in one face: the extent of any consecutive words, from per-word metrics.

    A line's words are kerned each on its own, with the kerning against the spaces between
    them (:meth:`Measurer.kerns`), so a line's ink is the words' ink offset by the advances
    and kerning before them: no string is joined or measured twice.
    """

    def __init__(self, words: Sequence[str], face: Face, m: Measurer, joiner: str = " ") -> None:
        self.words = list(words)
        self.joiner = joiner
        self.face, self.m = face, m
        self.extents = [m.extent(face, w) for w in self.words]
        self.space = m.glyph(face, " ")[2]
        self._spans: dict[tuple[int, int], int] = {}

    def span(self, i: int, j: int) -> int:
        """Pixels spanned by words[i:j] set on one line."""
        found = self._spans.get((i, j))
        if found is None:
            if self.joiner == " ":
                found = join(self.extents[i:j], self.space).span
            else:  # pieces of one word: kerned across the joins, so measured whole
                found = self.m.extent(self.face, self.line(i, j)).span
            self._spans[(i, j)] = found
        return found

    def line(self, i: int, j: int) -> str:
        """The text of words[i:j] on one line."""
        return self.joiner.join(self.words[i:j])

    def greedy(self, width: float) -> list[tuple[int, int]]:
        """First-fit line breaking: the fewest lines, used to count and as balancing's target."""
        lines: list[tuple[int, int]] = []
        start = 0
        for k in range(1, len(self.words) + 1):
            if k - start > 1 and self.span(start, k) > width:
                lines.append((start, k - 1))
                start = k - 1
        if self.words:
            lines.append((start, len(self.words)))
        return lines

    def balance(self, count: int, width: float) -> list[tuple[int, int]] | None:
        """Exactly ``count`` lines as even in width as possible (CSS text-wrap: balance)."""
        n = len(self.words)
        # best[k][j]: least cost of setting words[:j] in k lines; cost sums squared slack.
        inf = math.inf
        best = [[inf] * (n + 1) for _ in range(count + 1)]
        back = [[0] * (n + 1) for _ in range(count + 1)]
        best[0][0] = 0.0
        for k in range(1, count + 1):
            for j in range(k, n - (count - k) + 1):
                for i in range(k - 1, j):
                    if best[k - 1][i] == inf:
                        continue
                    w = self.span(i, j)
                    if w > width:
                        continue
                    cost = best[k - 1][i] + (width - w) ** 2
                    if cost < best[k][j]:
                        best[k][j], back[k][j] = cost, i
        if best[count][n] == inf:
            return None
        lines, j = [], n
        for k in range(count, 0, -1):
            lines.append((back[k][j], j))
            j = back[k][j]
        return lines[::-1]


def _split_long_word(word: str, face: Face, width: float, m: Measurer) -> list[str]:
    """Break a word that alone is wider than the box: after hyphens if that works, else anywhere."""
    pieces = re.findall(r"[^-]+-?|-", word)
    if len(pieces) > 1 and all(m.extent(face, p).span <= width for p in pieces):
        run = _Run(pieces, face, m, joiner="")
        return [run.line(i, j) for i, j in run.greedy(width)]
    out, current = [], ""
    for ch in word:
        if current and m.extent(face, current + ch).span > width:
            out.append(current)
            current = ch
        else:
            current += ch
    return [*out, current] if current else out


def _segments(text: str, break_after: str) -> list[list[str]]:
    """Words grouped into segments that end at preferred break points."""
    segments: list[list[str]] = [[]]
    for word in text.split(" "):
        segments[-1].append(word)
        if break_after and word and word[-1] in break_after:
            segments.append([])
    return [s for s in segments if s]


def wrap(text: str, box: Box, size: float, m: Measurer, *, split_words: bool = False) -> list[str]:
    """Lines for ``text`` in ``box`` at ``size``: word breaks, break hints, then balance."""
    face = Face(box.family, box.weight, size)
    words = text.split(" ") if text else []
    if split_words:
        words = [
            piece
            for word in words
            for piece in (
                _split_long_word(word, face, box.width, m)
                if m.extent(face, word).span > box.width
                else [word]
            )
        ]
    segments = _segments(" ".join(words), box.break_after) if box.break_after else [words]
    lines: list[str] = []
    for segment in segments:
        run = _Run(segment, face, m)
        breaks = run.greedy(box.width)
        if box.balance and len(breaks) > 1:
            breaks = run.balance(len(breaks), box.width) or breaks
        lines.extend(run.line(i, j) for i, j in breaks)
    if box.break_after and len(lines) > lines_that_fit(box, size, m):
        # The hints cost too many lines: fall back to breaking wherever it fits best.
        plain = dataclasses.replace(box, break_after="")
        return wrap(text, plain, size, m, split_words=split_words)
    return lines


def lines_that_fit(box: Box, size: float, m: Measurer) -> int:
    """How many lines of ``size`` the box holds, by height and by its line limit."""
    ascent, descent = m.vertical(Face(box.family, box.weight, size))
    leading = round(size * box.line_height)
    by_height = (
        0 if ascent + descent > box.height else 1 + int((box.height - ascent - descent) // leading)
    )
    return min(box.max_lines, by_height)


def _fits(lines: list[str], box: Box, size: float, m: Measurer) -> bool:
    face = Face(box.family, box.weight, size)
    return len(lines) <= lines_that_fit(box, size, m) and all(
        m.extent(face, line).span <= box.width for line in lines
    )


def place(lines: list[str], box: Box, size: float, m: Measurer) -> list[Line]:
    """Pen positions for each line: whole pixels, ink inside the box."""
    face = Face(box.family, box.weight, size)
    ascent, descent = m.vertical(face)
    leading = round(size * box.line_height)
    block = ascent + descent + leading * (len(lines) - 1)
    free = box.height - block
    top = box.y + {"top": 0, "middle": free / 2, "bottom": free}[box.valign]
    baseline = math.ceil(top + ascent)
    placed = []
    for i, text in enumerate(lines):
        ext = m.extent(face, text)
        left = math.floor(min(ext.ink_left, 0.0))  # ink left of the pen, in whole pixels
        slack = box.width - ext.span
        offset = {"start": 0, "middle": slack // 2, "end": slack}[box.align]
        x = box.x + offset - left
        xs = tuple(x + pen for pen in m.positions(face, text))
        placed.append(Line(text=text, x=x, y=baseline + i * leading, xs=xs))
    return placed


def fit(text: str, box: Box, m: Measurer, *, cap: float | None = None) -> Fit:
    """Set ``text`` in ``box`` at the largest size (at most ``cap``) that fits, or raise
    :class:`FitError`. Remembered per measurer: the same text in the same box fits once."""
    key = (text, box, cap)
    found = m.fits.get(key)
    if found is None:
        try:
            found = _fit(text, box, m, cap)
        except FitError as exc:
            found = exc
        m.fits[key] = found
    if isinstance(found, FitError):  # a fresh one each time: no traceback piles up
        raise FitError(found.box, found.needed, found.fit, found.excess)
    return found


def _fit(text: str, box: Box, m: Measurer, cap: float | None) -> Fit:
    if not text:
        return Fit(box, box.max_size if cap is None else min(cap, box.max_size))
    for size in box.sizes(cap):
        lines = wrap(text, box, size, m)
        if _fits(lines, box, size, m):
            return Fit(box, size, tuple(place(lines, box, size, m)))
    # Only a word that alone is wider than the box may be broken inside, and only at the minimum.
    lines = wrap(text, box, box.min_size, m, split_words=True)
    if _fits(lines, box, box.min_size, m):
        return Fit(box, box.min_size, tuple(place(lines, box, box.min_size, m)))
    capacity = lines_that_fit(box, box.min_size, m)
    # How much to cut: what first-fit lines (fuller than balanced ones) cannot hold.
    unbalanced = dataclasses.replace(box, balance=False)
    packed = wrap(text, unbalanced, box.min_size, m, split_words=True)
    kept = sum(len(line) + 1 for line in packed[:capacity])
    raise FitError(box, len(lines), capacity, max(1, len(text) - kept + 1))


def about(n: int) -> int:
    """Round a character count up to a friendly figure for an error message."""
    return n if n < 10 else int(math.ceil(n / 5) * 5)


def quoted(text: str, limit: int = 40) -> str:
    """Text in curly quotes for an error message, its end cut with "…" past ``limit``."""
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"
