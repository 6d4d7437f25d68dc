"""cairo's declarations, parsed once: the generated module is used from the second process on,
draws the same bytes, and a damaged one falls back to cairocffi's own import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DRAW = """
import hashlib, sys
from cardgen.fonts import Fonts
from cardgen.project import BUILTIN_FONTS

Fonts(BUILTIN_FONTS).setup()
import cairosvg

svg = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="80">'
    '<rect width="300" height="80" fill="#12284c"/>'
    '<text x="10" y="50" font-family="Atkinson Hyperlegible Next" font-size="32" '
    'fill="#ffdd00">£18,000 saved</text></svg>'
)
png = cairosvg.svg2png(bytestring=svg.encode())
print("_cardgen_cairo_ffi" in sys.modules, hashlib.sha256(png).hexdigest())
"""


def draw(cache: Path) -> tuple[bool, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", DRAW], env=env, capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    used, digest = done.stdout.split()
    return used == "True", digest


def test_parsed_once_then_loaded_drawing_the_same_bytes(tmp_path: Path) -> None:
    first = draw(tmp_path)
    assert first[0] is False  # cairocffi imported as usual, its declarations written out
    (folder,) = (tmp_path / "cardgen").glob("cairo-ffi-*")
    assert sorted(p.name for p in folder.iterdir()) == [
        "_cardgen_cairo_ffi.py",
        "_cardgen_cairo_pixbuf_ffi.py",
    ]
    second = draw(tmp_path)
    assert second == (True, first[1])  # loaded from the generated module: the same pixels


def test_a_damaged_module_falls_back_and_is_made_again(tmp_path: Path) -> None:
    _, expected = draw(tmp_path)
    (folder,) = (tmp_path / "cardgen").glob("cairo-ffi-*")
    (folder / "_cardgen_cairo_ffi.py").write_text("ffi = None  # damaged\n")
    assert draw(tmp_path) == (False, expected)
    assert not folder.exists()  # removed: the next process writes it afresh
    assert draw(tmp_path) == (False, expected) and folder.exists()
    assert draw(tmp_path) == (True, expected)
