"""Outcome figures as data: "35%", "3 in 4", "£1.2m", "£2.40 for every £1", "1,400", or text.

Parsing never fails: a figure that is none of these is ``text``, drawn as a big number with
no chart. Each kind says in words what its chart shows, for alt text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["percent", "ratio", "money", "return", "count", "text"]
MAX_ICONS = 20  # an icon array shows "N in M" for M up to this; beyond, a ring

_PERCENT = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s?%$")
_RATIO = re.compile(r"^(\d+)\s+(?:in|out of)\s+(\d+)$", re.IGNORECASE)
_MONEY = re.compile(
    r"^(?P<sign>[-+])?(?P<cur>[£$€])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"\s?(?P<unit>k|m|bn|million|billion)?$",
    re.IGNORECASE,
)
_COUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)$")
# "saved for every £1 invested", "returned per £1 spent", "for each £1": a return on a pound
_PER_POUND = re.compile(r"\b(?:for every|per|for each|on every)\s+([£$€])1\b", re.IGNORECASE)
_UNITS = {"k": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A figure as data: its kind, the number it states, and, for ratios, the whole."""

    text: str  # as written: "3 in 4"
    kind: Kind
    value: float | None = None  # 35.0 for "35%"; 3 for "3 in 4"; 1.2e6 for "£1.2m"
    whole: int | None = None  # 4 for "3 in 4"
    currency: str = ""  # "£" for money and returns

    @property
    def share(self) -> float | None:
        """The part of a whole it states (0.35 for "35%", 0.75 for "3 in 4"), if any."""
        if self.kind == "percent" and self.value is not None:
            return self.value / 100
        if self.kind == "ratio" and self.whole:
            return (self.value or 0) / self.whole
        return None

    @property
    def chart(self) -> str:
        """The chart that shows it: "ring", "icons", "bars" or "number" (no chart)."""
        if self.kind == "percent" and self.value is not None and self.value >= 0:
            return "ring"
        if self.kind == "ratio" and self.whole:
            return "icons" if self.whole <= MAX_ICONS else "ring"
        if self.kind == "return" and self.value and self.value > 0:
            return "bars"
        return "number"


def parse(figure: str, label: str = "") -> Figure:
    """The figure as data; ``label`` tells a return ("for every £1") from plain money."""
    text = " ".join(figure.split())
    if m := _PERCENT.match(text):
        return Figure(text=figure, kind="percent", value=float(m.group(1)))
    if m := _RATIO.match(text):
        part, whole = int(m.group(1)), int(m.group(2))
        if whole > 0 and part <= whole:
            return Figure(text=figure, kind="ratio", value=part, whole=whole)
        return Figure(text=figure, kind="text")
    if m := _MONEY.match(text):
        amount = float(m.group("num").replace(",", "") + "." + (m.group("dec") or "0"))
        amount *= _UNITS.get((m.group("unit") or "").lower(), 1)
        amount = -amount if m.group("sign") == "-" else amount
        per = _PER_POUND.search(label)
        kind: Kind = "return" if per and per.group(1) == m.group("cur") else "money"
        return Figure(text=figure, kind=kind, value=amount, currency=m.group("cur"))
    if _COUNT.match(text):
        return Figure(text=figure, kind="count", value=float(text.replace(",", "")))
    return Figure(text=figure, kind="text")


# --- in words -------------------------------------------------------------------------------

_SHARES = [
    (0.0, "empty"),
    (0.1, "a tenth full"),
    (0.2, "a fifth full"),
    (0.25, "a quarter full"),
    (1 / 3, "a third full"),
    (0.4, "two fifths full"),
    (0.5, "half full"),
    (0.6, "three fifths full"),
    (2 / 3, "two thirds full"),
    (0.75, "three quarters full"),
    (0.8, "four fifths full"),
    (0.9, "nine tenths full"),
    (1.0, "full"),
]


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else f"{n:,}"


def share_words(share: float) -> str:
    """A share of a ring in words: "a little over a third full", "exactly half full"."""
    if share > 1:
        return "full, and more: the figure is over the whole"
    nearest, words = min(_SHARES, key=lambda s: abs(s[0] - share))
    gap = share - nearest
    if abs(gap) < 0.005:
        return words if nearest in (0.0, 1.0) else f"exactly {words}"
    if abs(gap) <= 0.04:
        return f"a little {'over' if gap > 0 else 'under'} {words}"
    return f"{'over' if gap > 0 else 'under'} {words}"


def describe(figure: Figure) -> str:
    """What its chart shows, in words for alt text; empty for a figure without a chart."""
    chart = figure.chart
    if chart == "ring":
        share = figure.share or 0.0
        return f"{figure.text}: a ring {share_words(share)}"
    if chart == "icons":
        part, whole = int(figure.value or 0), figure.whole or 0
        return f"{figure.text}: {_number(part)} of {_number(whole)} figures filled"
    if chart == "bars":
        times = f"{figure.value:.3g}".rstrip("0").rstrip(".")
        return f"{figure.text}: a bar {times} times as long as the {figure.currency}1 bar beside it"
    return ""
