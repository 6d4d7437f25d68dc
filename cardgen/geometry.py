"""Rectangles on a card: text boxes and the logo's place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Rect:
    """An axis-aligned rectangle in card pixels."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """The right edge."""
        return self.x + self.width

    @property
    def bottom(self) -> float:
        """The bottom edge."""
        return self.y + self.height

    def near(self, other: Rect, margin: float = 0.0) -> bool:
        """Whether ``other`` overlaps this rectangle grown by ``margin`` on every side."""
        return (
            other.x < self.right + margin
            and other.right > self.x - margin
            and other.y < self.bottom + margin
            and other.bottom > self.y - margin
        )

    def inside(self, width: float, height: float, margin: float) -> bool:
        """Whether it keeps ``margin`` from every edge of a ``width`` × ``height`` card."""
        return (
            self.x >= margin
            and self.y >= margin
            and self.right <= width - margin
            and self.bottom <= height - margin
        )
