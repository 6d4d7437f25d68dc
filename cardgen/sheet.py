"""The contact sheet: every card of a format in schedule order, labelled, for sign-off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .fonts import FAMILY, Fonts
from .manifest import CardEntry
from .schedule import UNSCHEDULED, order

THUMB_WIDTH = 360
GAP = 24
LABEL = 44  # height of the caption under each thumbnail
INK, PAPER, RULE = (11, 12, 12), (255, 255, 255), (200, 200, 200)


def sheet_order(card: CardEntry) -> tuple[int, str]:
    """Launch (day 0) first, then the schedule, then unscheduled cases, then the summary."""
    if card.kind == "summary":
        return (UNSCHEDULED + 1, card.slug)
    return order(card.day, card.slug)


def contact_sheet(
    cards: list[CardEntry], out_dir: Path, fonts: Fonts, *, columns: int = 4, title: str = ""
) -> Image.Image:
    """Compose the cards (manifest entries of one format) into one labelled sheet."""
    cards = sorted(cards, key=sheet_order)
    width, height = cards[0].width, cards[0].height
    thumb_h = round(THUMB_WIDTH * height / width)
    rows = -(-len(cards) // columns)
    header = 72 if title else GAP
    sheet = Image.new(
        "RGB",
        (GAP + columns * (THUMB_WIDTH + GAP), header + rows * (thumb_h + LABEL + GAP)),
        PAPER,
    )
    draw = ImageDraw.Draw(sheet)
    regular = ImageFont.truetype(str(fonts.path(FAMILY, "normal")), 18)
    bold = ImageFont.truetype(str(fonts.path(FAMILY, "bold")), 28)
    if title:
        draw.text((GAP, 22), title, font=bold, fill=INK)
    for i, card in enumerate(cards):
        x = GAP + (i % columns) * (THUMB_WIDTH + GAP)
        y = header + (i // columns) * (thumb_h + LABEL + GAP)
        with Image.open(out_dir / card.path) as image:
            thumb = image.convert("RGB").resize((THUMB_WIDTH, thumb_h), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + THUMB_WIDTH, y + thumb_h), outline=RULE)
        draw.text((x, y + thumb_h + 10), caption(card), font=regular, fill=INK)
    return sheet


def caption(card: CardEntry) -> str:
    """`Day 3 · Thu 27 Aug 2015 · slug`, shortened to fit under a thumbnail."""
    date = dt.date.fromisoformat(card.date) if card.date else None
    when = f"{date:%a %-d %b %Y}" if date else "unscheduled"
    if card.kind == "launch":
        day = "Launch"
    elif card.kind == "summary":
        day = "Summary"
    else:
        day = f"Day {card.day}" if card.day else "No day"
    text = f"{day} · {when} · {card.slug}"
    return text if len(text) <= 44 else text[:43] + "…"
