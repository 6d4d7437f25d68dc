"""Output formats: each card shape, its size, safe margin and which cards it has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from .model import SLUG, read_toml
from .schema import Int, Items, Pattern, Record, Table, Text, validate

Kind = Literal["case", "launch", "summary"]
KINDS: tuple[Kind, ...] = ("case", "launch")  # every format has these unless it says otherwise
# Cards are seen at about a third of their size on a phone: no text below 28px on a
# 1200px-wide card, no title below 44px (scaled for other widths).
FLOOR_PX, TITLE_FLOOR_PX, FLOOR_WIDTH = 28, 44, 1200
MAX_BYTES = 5 * 1024 * 1024  # X, Facebook and LinkedIn all take images up to 5 MB
MAX_BYTES_TEXT = "5 MB"


@dataclass(frozen=True, kw_only=True)
class Format:
    """An output shape: its size and where it is posted."""

    name: str
    width: int
    height: int
    description: str = ""
    safe: int = 40  # safe margin in pixels: keep text inside it
    kinds: tuple[Kind, ...] = KINDS  # which cards this format has
    charts: bool = False  # its case cards chart the outcomes: their alt text says what each shows

    @property
    def scale(self) -> float:
        """Width relative to the 1200px card the legibility floors are set for."""
        return self.width / FLOOR_WIDTH

    def floor(self, title: bool = False) -> float:
        """The smallest font size allowed on this format."""
        return round((TITLE_FLOOR_PX if title else FLOOR_PX) * min(1.0, self.scale), 1)


def template_name(kind: str, fmt: str) -> str:
    """The file name of a template: ``<kind>.<format>.svg``."""
    return f"{kind}.{fmt}.svg"


class _FormatSpec(Record):
    width: Annotated[int, Int(ge=16, le=8192)]
    height: Annotated[int, Int(ge=16, le=8192)]
    description: Annotated[str, Text(max_length=200, min_length=0)] = ""
    safe: Annotated[int, Int(ge=0, le=1000)] = 40
    kinds: Annotated[tuple[Kind, ...], Items(min_length=1)] = KINDS
    charts: bool = False


class _Formats(Record):
    # Format names become folder and file names: keep them to slug characters.
    formats: Annotated[dict[str, _FormatSpec], Table(min_length=1, key=Pattern(SLUG.pattern))]


def load_formats(path: Path, *, shown: str) -> dict[str, Format]:
    """The formats declared in a ``formats.toml`` (``shown``: its path as users see it)."""
    spec = validate(_Formats, read_toml(path, shown=shown), file=shown)
    return {
        name: Format(
            name=name,
            width=f.width,
            height=f.height,
            description=f.description,
            safe=f.safe,
            kinds=tuple(dict.fromkeys(f.kinds)),
            charts=f.charts,
        )
        for name, f in spec.formats.items()
    }
