"""Kerning from the bundled fonts' own tables, through HarfBuzz (the ``uharfbuzz`` binding).

cairosvg draws text with cairo's toy API: one character at a time, each glyph at the previous
one's advance, with no kerning. But it honours an ``x`` list on a ``<tspan>``: one number per
character (per code point of the text, spaces included), each character's glyph drawn with
its origin at that x. So cardgen works out where every character goes and writes them all.

HarfBuzz is used only for the kerning. A word is shaped twice with the ``kern`` feature on
and off, every substitution off (cairo draws each character's own glyph, so a ligature or a
contextual alternate would be kerned as a glyph that is never drawn); the difference in
where each glyph's origin lands is the kerning. It is returned per *boundary* between two
characters, in font units, so the caller can add it to cairo's own (hint-rounded) advances.

A word is shaped with a space on each side (" word "): the fonts kern some letters
against a space (Atkinson Hyperlegible Next's "T" before a space, for one), and this way each
boundary of a line belongs to exactly one word, so a line's kerning is the sum of its words'
and wrapping can measure lines from per-word figures. Kerning tables pair adjacent glyphs
(marks skipped), so this gives what shaping the whole line gives; ``tests/test_kerning.py``
checks that on every shipped text in every bundled face.

A word whose shaped glyphs are not its characters' own glyphs one for one (HarfBuzz composes
a letter and a combining accent that clean_text left apart into one glyph, for one) gets no
kerning at all: better unkerned than kerned as something cairo does not draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fonts import FACES

# Every substitution a shaper applies by default, off: only positions may change.
_NO_SUBSTITUTION = {
    tag: False for tag in ("ccmp", "locl", "rlig", "rclt", "calt", "liga", "clig", "dlig")
}
KERNED = {**_NO_SUBSTITUTION, "kern": True}
UNKERNED = {**_NO_SUBSTITUTION, "kern": False}


class Kerning:
    """Per-process HarfBuzz fonts for the bundled faces and each word's kerning, in font units.

    Kerning does not depend on the size, so one entry serves every size a word is tried at.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fonts: dict[tuple[str, str], tuple[Any, int] | None] = {}
        self._words: dict[tuple[str, str, str], tuple[int, ...]] = {}

    def load(self) -> None:
        """Import HarfBuzz and read every bundled face now (a worker does this while the
        build is planned, rather than on its first card)."""
        for family, weight in FACES:
            self.font(family, weight)

    def font(self, family: str, weight: str) -> tuple[Any, int] | None:
        """HarfBuzz's font for a bundled face and its units per em, or None if it has no
        file here (then nothing is kerned: cairo draws what fontconfig finds)."""
        key = (family, weight)
        if key not in self._fonts:
            self._fonts[key] = self._load(key)
        return self._fonts[key]

    def _load(self, key: tuple[str, str]) -> tuple[Any, int] | None:
        name = FACES.get(key)
        path = self.folder / name if name else None
        if path is None or not path.is_file():
            return None
        import uharfbuzz as hb

        face = hb.Face(hb.Blob.from_file_path(str(path)))
        return hb.Font(face), face.upem  # scale: font units

    def word(self, family: str, weight: str, word: str) -> tuple[int, ...]:
        """Kerning in font units at each boundary of ``word`` set between two spaces:
        ``len(word) + 1`` figures, the first between the space and the word's first character,
        the last between its last character and the space. All zeros if the face cannot be
        shaped as cairo draws it."""
        key = (family, weight, word)
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = self._shape_word(family, weight, word)
        return found

    def pixels(self, family: str, weight: str, word: str, size: float) -> tuple[int, ...]:
        """:meth:`word`'s kerning at a font size, each figure rounded to a whole pixel, as
        cairo's hint metrics round each advance: a line's glyphs keep whole-pixel offsets
        from its start, so each draws exactly as it was measured."""
        units = self.word(family, weight, word)
        if not any(units):
            return units
        upem = self.font(family, weight)[1]  # type: ignore[index]  # units: it loaded
        return tuple(round(u * size / upem) for u in units)

    def _shape_word(self, family: str, weight: str, word: str) -> tuple[int, ...]:
        none = (0,) * (len(word) + 1)
        loaded = self.font(family, weight)
        if loaded is None:
            return none
        font = loaded[0]
        text = f" {word} "
        kerned = origins(font, text, KERNED)
        plain = origins(font, text, UNKERNED)
        if kerned is None or plain is None:
            return none
        moved = [k - p for k, p in zip(kerned, plain, strict=True)]
        return tuple(moved[i] - moved[i - 1] for i in range(1, len(text)))


def origins(font: Any, text: str, features: dict[str, bool]) -> list[int] | None:
    """Where HarfBuzz puts each character's glyph origin (font units, from 0), or None if its
    glyphs are not the characters' own glyphs one for one."""
    import uharfbuzz as hb

    buf = hb.Buffer()
    buf.add_codepoints([ord(ch) for ch in text])
    # Fixed, not guessed: the default language comes from the process's locale, and a run of
    # digits and punctuation has no script of its own.
    buf.direction, buf.script, buf.language = "ltr", "Latn", "en"
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    hb.shape(font, buf, features)
    infos, positions = buf.glyph_infos, buf.glyph_positions
    if len(infos) != len(text):
        return None
    out, pen = [], 0
    for i, (info, pos) in enumerate(zip(infos, positions, strict=True)):
        if info.cluster != i or info.codepoint != font.get_nominal_glyph(ord(text[i])):
            return None
        out.append(pen + pos.x_offset)
        pen += pos.x_advance
    return out
