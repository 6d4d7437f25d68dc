"""The build's record, ``out/manifest.json``: every card made, with its words and fits.

Entries are typed here and turned into JSON only when written; reading tolerates a damaged or
hand-edited file by treating what it cannot read as absent (the cards are then made again).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .schedule import order

MANIFEST = "manifest.json"
CardId = tuple[str, str]  # (format, slug)


@dataclass(frozen=True, kw_only=True)
class SlotFit:
    """How a text box's text was set."""

    size: float
    lines: int
    max_size: float

    @property
    def shrunk(self) -> bool:
        """Whether the text was set smaller than the box's largest size."""
        return self.size < self.max_size


@dataclass(frozen=True, kw_only=True)
class CardEntry:
    """One card in the manifest."""

    slug: str
    kind: str
    format: str
    path: str  # relative to the out folder
    width: int
    height: int
    bytes: int
    sha256: str
    day: int | None
    date: str | None
    title: str | None
    url: str | None
    alt: str
    posts: dict[str, str]  # per platform key
    fits: dict[str, SlotFit]
    key: str
    approval: str | None = None  # its sign-off status, when the campaign requires sign-off
    # A bilingual card's second-language post, per platform whose limit cannot hold both:
    # posted as a reply to the first.
    replies: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> CardId:
        """(format, slug)."""
        return (self.format, self.slug)

    def to_json(self) -> dict[str, Any]:
        """As written in the manifest (built by hand: ``dataclasses.asdict`` deep-copies)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["fits"] = {k: vars(v) for k, v in self.fits.items()}
        return data

    @classmethod
    def from_json(cls, data: Any) -> CardEntry | None:
        """An entry read back, or None if it is not one (an old or damaged manifest)."""
        try:
            fits = {k: SlotFit(**v) for k, v in data["fits"].items()}
            entry = cls(**{**data, "fits": fits})
        except (TypeError, KeyError, AttributeError):
            return None
        return entry if isinstance(entry.path, str) and isinstance(entry.slug, str) else None


@dataclass(frozen=True, kw_only=True)
class FailedEntry:
    """A card that failed, and the last good file it left in place (if any)."""

    slug: str
    format: str
    problems: list[str]
    path: str | None = None

    @property
    def id(self) -> CardId:
        """(format, slug)."""
        return (self.format, self.slug)

    def to_json(self) -> dict[str, Any]:
        """As written in the manifest (no path when there is none)."""
        data = dataclasses.asdict(self)
        return data if self.path else {k: v for k, v in data.items() if k != "path"}

    @classmethod
    def from_json(cls, data: Any) -> FailedEntry | None:
        """An entry read back, or None if it is not one."""
        try:
            entry = cls(**data)
        except TypeError:
            return None
        return entry if isinstance(entry.slug, str) and isinstance(entry.format, str) else None


@dataclass(kw_only=True)
class Manifest:
    """What a build wrote."""

    campaign: dict[str, Any] = field(default_factory=dict)
    stack: dict[str, Any] = field(default_factory=dict)
    cards: dict[CardId, CardEntry] = field(default_factory=dict)
    failed: dict[CardId, FailedEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest's text: cards by format, then in schedule order."""
        cards = sorted(self.cards.values(), key=lambda c: (c.format, *order(c.day, c.slug)))

        def lines(items: list[dict[str, Any]]) -> str:
            # One entry a line: readable and diffable, and written by json's C encoder (an
            # indented dump goes through its much slower Python one).
            inner = ",\n    ".join(json.dumps(i, ensure_ascii=False) for i in items)
            return f"[\n    {inner}\n  ]" if items else "[]"

        head = {"campaign": self.campaign, "stack": self.stack}
        parts = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()]
        parts.append(f'  "cards": {lines([c.to_json() for c in cards])}')
        parts.append(f'  "failed": {lines([f.to_json() for f in self.failed.values()])}')
        return "{\n" + ",\n".join(parts) + "\n}\n"


def read_manifest(out_dir: Path) -> Manifest:
    """The manifest of a previous build, or an empty one."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    if not isinstance(data, dict):
        return Manifest()

    def entries(key: str, kind: type[CardEntry] | type[FailedEntry]) -> list[Any]:
        found = data.get(key)
        items = (
            (kind.from_json(c) for c in found if isinstance(c, dict))
            if isinstance(found, list)
            else ()
        )
        return [e for e in items if e is not None]

    return Manifest(
        campaign=data.get("campaign") if isinstance(data.get("campaign"), dict) else {},
        stack=data.get("stack") if isinstance(data.get("stack"), dict) else {},
        cards={e.id: e for e in entries("cards", CardEntry)},
        failed={e.id: e for e in entries("failed", FailedEntry)},
    )
