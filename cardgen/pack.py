"""`cardgen pack`: the sign-off pack, one PDF (A4 landscape) for the clearance meeting.

A cover (the campaign, its dates, how many posts, the approval counts), the schedule as a
table, then one page per scheduled card: the card large, drawn from its filled SVG as vectors
(its words stay text, so it prints sharp and can be searched), each platform's post with its
count and limit, the alt text, the link, and the approval status with a box to sign. A day
whose posts do not fit goes on over more pages; no text is ever cut, titles wrap.

Drawn with cairo (cairocffi's PDF surface) and the bundled fonts only, through the same
isolated fontconfig as the cards. Pages are laid out first as lists of drawing steps, then
drawn, so that every page can say "page N of M" and the schedule can give each day's page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from .cli import out_option, project_options
from .errors import CardgenError, Problem
from .fonts import FAMILY

if TYPE_CHECKING:
    from .build import Result
    from .manifest import CardEntry
    from .model import Campaign
    from .project import Project

# A4 landscape, in PDF points.
PAGE_W, PAGE_H = 842.0, 595.0
MARGIN = 36.0
CONTENT_W = PAGE_W - 2 * MARGIN
TOP = MARGIN + 8  # below the brand band
BOTTOM = PAGE_H - MARGIN  # the footer sits below this
CARD_W = 430.0  # the card's column on a day page
GUTTER = 24.0

INK = (0.043, 0.047, 0.047)  # #0b0c0c
GREY = (0.314, 0.353, 0.373)  # #505a5f
RULE = (0.694, 0.706, 0.710)  # #b1b4b6
GREEN = (0.0, 0.439, 0.235)  # #00703c
RED = (0.831, 0.208, 0.110)  # #d4351c
ORANGE = (0.686, 0.306, 0.0)  # #af4e00: changed since approval

# Used when SOURCE_DATE_EPOCH is not set: the same inputs give the same bytes.
FIXED_DATE = "2000-01-01T00:00:00Z"
_SPACES = re.compile(r"[ \t\r\f\v]+")


class SignStatus(Protocol):
    """A card's sign-off, as :mod:`cardgen.signoff` gives it."""

    state: str  # "approved" | "not approved" | "changed"
    by: str | None
    at: str | None  # ISO 8601
    changed: list[str]  # what changed since approval: "card", "post text", "alt text"


@dataclass(frozen=True, kw_only=True)
class PackReport:
    """The pack written."""

    path: Path
    pages: int
    bytes: int
    seconds: float
    problems: list[Problem] = field(default_factory=list)  # the build's

    @property
    def size_text(self) -> str:
        """``1.2 MB``, ``840 kB``."""
        if self.bytes >= 1_000_000:
            return f"{self.bytes / 1_000_000:.1f} MB"
        return f"{max(1, round(self.bytes / 1000))} kB"


# --- text -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """A text style: size in points, weight, colour."""

    size: float
    bold: bool = False
    colour: tuple[float, float, float] = INK
    leading: float = 1.3

    @property
    def line(self) -> float:
        """The distance from one baseline to the next."""
        return self.size * self.leading

    def but(self, **changes: Any) -> Style:
        """This style with some fields changed."""
        return dataclasses.replace(self, **changes)


BIG = Style(30, bold=True, leading=1.15)
TITLE = Style(19, bold=True, leading=1.2)
HEAD = Style(12, bold=True, colour=GREY)
LABEL = Style(8.5, bold=True, colour=GREY)
BODY = Style(9.5)
CELL = Style(9)
SMALL = Style(7.5, colour=GREY)


@dataclass(frozen=True)
class Para:
    """A paragraph to set: wrapped to its frame, split across frames if it must be."""

    text: str
    style: Style = BODY
    before: float = 0.0  # space above it
    keep: bool = False  # keep with the next paragraph's first line (a heading)
    whole: bool = False  # move it whole to the next frame rather than split it, if it fits
    uri: str | None = None  # a link


Op = Callable[[Any], None]  # one drawing step on a cairo context


@dataclass
class Page:
    """A page laid out: its drawing steps, run when the pack is drawn."""

    ops: list[Op] = field(default_factory=list)
    outline: str | None = None  # its entry in the PDF's bookmarks


@dataclass
class Frame:
    """A rectangle on a page that text flows into."""

    page: Page
    x: float
    y: float
    w: float
    bottom: float
    skippable: bool = False  # text may pass it by for the next frame even when it is empty
    top: float = 0.0

    def __post_init__(self) -> None:
        self.top = self.y

    def room(self) -> float:
        """The height left."""
        return self.bottom - self.y


def spaced(text: str) -> str:
    """Runs of spaces and tabs as one space, ends trimmed; no-break spaces kept (they bind)."""
    return " ".join(w for w in _SPACES.split(text) if w)


def printable(text: str, missing: Callable[[str], list[str]]) -> str:
    """Text the bundled fonts can draw: an emoji or other character they lack is named in
    brackets ("[SMILING FACE WITH SMILING EYES]"), invisible joiners and selectors dropped."""
    absent = missing(text)
    if not absent:
        return text
    out = []
    for ch in text:
        if ch not in absent:
            out.append(ch)
        elif unicodedata.category(ch) != "Cf" and not 0xFE00 <= ord(ch) <= 0xFE0F:
            out.append(f"[{unicodedata.name(ch, f'U+{ord(ch):04X}')}]")
    return "".join(out)


class Setter:
    """Measures and wraps text with cairo, in the bundled family, and records drawing steps."""

    def __init__(self, context: Any, missing: Callable[[str], list[str]]) -> None:
        import cairocffi

        self.cairo = cairocffi
        self.ctx = context
        self.missing = missing
        self._widths: dict[tuple[str, float, bool], float] = {}

    def select(self, ctx: Any, style: Style) -> None:
        """Select the style's face and size on ``ctx``: the toy API, by the bundled name."""
        weight = self.cairo.FONT_WEIGHT_BOLD if style.bold else self.cairo.FONT_WEIGHT_NORMAL
        ctx.select_font_face(FAMILY, self.cairo.FONT_SLANT_NORMAL, weight)
        ctx.set_font_size(style.size)

    def width(self, text: str, style: Style) -> float:
        """The advance of ``text`` in ``style``."""
        key = (text, style.size, style.bold)
        found = self._widths.get(key)
        if found is None:
            self.select(self.ctx, style)
            found = self._widths[key] = self.ctx.text_extents(text)[4]
        return found

    def first_line(self, text: str, width: float, style: Style) -> tuple[str, str]:
        """The first line of ``text`` (one paragraph, single spaces) that fits ``width``, and
        the rest. A word wider than the line (a long link) is broken, after a / - or . if it
        can be; nothing is dropped."""
        words = text.split(" ")
        line = ""
        for i, word in enumerate(words):
            candidate = f"{line} {word}" if line else word
            if self.width(candidate, style) <= width:
                line = candidate
                continue
            if line:
                return line, " ".join(words[i:])
            cut = self._cut(word, width, style)
            return word[:cut], " ".join([word[cut:], *words[i + 1 :]])
        return line, ""

    def _cut(self, word: str, width: float, style: Style) -> int:
        fits = 1
        while fits < len(word) and self.width(word[: fits + 1], style) <= width:
            fits += 1
        for mark in "/-.?&=_":
            at = word.rfind(mark, 0, fits)
            if at > fits // 2:
                return at + 1
        return fits

    def lines(self, text: str, width: float, style: Style) -> list[str]:
        """``text`` wrapped to ``width``: its own line breaks kept, blank lines as ""."""
        out: list[str] = []
        for paragraph in printable(text, self.missing).split("\n"):
            rest = spaced(paragraph)
            if not rest:
                out.append("")
            while rest:
                line, rest = self.first_line(rest, width, style)
                out.append(line)
        return out

    def show(self, page: Page, x: float, y: float, text: str, style: Style, uri: str = "") -> None:
        """Draw one line with its baseline at ``y`` (``uri``: a link)."""

        def op(ctx: Any) -> None:
            ctx.set_source_rgb(*style.colour)
            self.select(ctx, style)
            if uri:
                ctx.tag_begin(self.cairo.TAG_LINK, f"uri='{_attr(uri)}'")
            ctx.move_to(x, y)
            ctx.show_text(text)
            if uri:
                ctx.tag_end(self.cairo.TAG_LINK)

        page.ops.append(op)

    def block(self, page: Page, x: float, y: float, width: float, text: str, style: Style) -> float:
        """Draw ``text`` wrapped into ``width`` from the top ``y``; return the y below it."""
        for line in self.lines(text, width, style):
            y += style.line
            if line:
                self.show(page, x, y - style.line * 0.25, line, style)
        return y

    def height(self, para: Para, width: float) -> float:
        """The height of a paragraph set whole in ``width``."""
        lines = self.lines(para.text, width, para.style)
        return sum(para.style.line if line else para.style.line * 0.5 for line in lines)

    def flow(self, paras: list[Para], frame: Frame, frames: Iterator[Frame]) -> Frame:
        """Set paragraphs into ``frame``, taking the next of ``frames`` when it is full; a
        heading is kept with what follows it, a ``whole`` paragraph is not split if moving it
        keeps it whole. Returns the frame it ended in."""
        for i, para in enumerate(paras):
            style = para.style
            before = para.before if frame.y > frame.top else 0.0
            first = self.height(para, frame.w) if para.whole or para.keep else style.line
            need = before + first
            if para.keep and i + 1 < len(paras):
                after = paras[i + 1]
                more = self.height(after, frame.w) if after.whole else after.style.line
                need += after.before + more
            if frame.room() < need and (frame.y > frame.top or frame.skippable):
                frame, before = next(frames), 0.0
            frame.y += before
            for paragraph in printable(para.text, self.missing).split("\n"):
                left = spaced(paragraph)
                if not left and frame.y > frame.top:
                    frame.y += style.line * 0.5  # a blank line in a post: half a line
                while left:
                    if frame.room() < style.line:
                        frame = next(frames)
                    line, left = self.first_line(left, frame.w, style)
                    frame.y += style.line
                    baseline = frame.y - style.line * 0.25
                    self.show(frame.page, frame.x, baseline, line, style, para.uri or "")
        return frame


def _attr(value: str) -> str:
    """A value for a cairo tag attribute string, inside single quotes."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


# --- the card, as vectors ---------------------------------------------------------------------


def vector_card(svg: bytes, width: int, height: int) -> Any:
    """The card's filled SVG drawn by cairosvg into a cairo recording surface, ``width`` ×
    ``height`` units: painted onto a PDF page it stays vectors and text."""
    import cairocffi
    from cairosvg.parser import Tree
    from cairosvg.surface import Surface

    from .render import _fetch

    class Recording(Surface):  # type: ignore[misc]
        def _create_surface(self, w: float, h: float) -> tuple[Any, float, float]:
            extents = (0, 0, w, h)
            return cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, extents), w, h

    try:
        tree = Tree(bytestring=svg, unsafe=False, url_fetcher=_fetch)
        # dpi 72: one SVG pixel is one unit of the recording. The size is always given.
        drawn = Recording(tree, None, 72, output_width=width, output_height=height)
    except CardgenError:
        raise
    except Exception as exc:  # cairosvg raises bare ValueError/ParseError for bad SVG
        raise CardgenError(f"cannot render SVG: {type(exc).__name__}: {exc}") from None
    return drawn.cairo


# --- what goes in the pack ----------------------------------------------------------------------


@dataclass(kw_only=True)
class Day:
    """One scheduled card (or a campaign day no case takes) with what the pack shows of it."""

    day: int
    date: dt.date
    slug: str | None  # None: no case is scheduled that day
    kind: str  # "launch", "case", "summary" or "empty"
    title: str
    language: str = ""  # "Welsh", "Welsh and English": a language version of the day's card
    entry: CardEntry | None = None  # the card shown (None: it could not be made)
    result: Result | None = None
    posts: dict[str, str] = field(default_factory=dict)
    alt: str = ""
    url: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``Day 3 · Thursday 27 August 2015``."""
        when = f"{self.date:%A %-d %B %Y}" + (f" · {self.language}" if self.language else "")
        if self.kind == "launch":
            return f"Launch · {when}"
        if self.kind == "summary":
            return f"Summary · Day {self.day} · {when}"
        return f"Day {self.day} · {when}"


def _image_format(project: Project, kind: str) -> str | None:
    """The format shown large: twitter (X-sized) for cases and the launch, the summary's own."""
    formats = project.formats
    if kind == "summary":
        return next((n for n, f in formats.items() if "summary" in f.kinds), None)
    if "twitter" in formats and kind in formats["twitter"].kinds:
        return "twitter"
    return next((n for n, f in formats.items() if kind in f.kinds), None)


def days_of(project: Project, results: list[Result], campaign: Campaign) -> list[Day]:
    """The schedule: the launch on the start date, each case on its day (a day no case takes
    is listed empty), the summary on the last day."""
    from .model import LANGUAGE_NAMES, LAUNCH, SUMMARY, load_cases
    from .plan import versions
    from .schedule import schedule

    cases, _ = load_cases(project, campaign)
    by_card = {(r.job.format, r.job.slug): r for r in results}
    by_slug: dict[str, list[Result]] = {}
    for r in results:
        by_slug.setdefault(r.job.slug, []).append(r)
    entries = [(e.day, e.date, e.slug) for e in schedule(campaign, cases)]
    entries.append((campaign.days, campaign.end, SUMMARY))
    taken = {day for day, _, slug in entries if slug not in (LAUNCH, SUMMARY)}
    entries += [(d, campaign.date_of(d), "") for d in range(1, campaign.days + 1) if d not in taken]
    entries.sort(key=lambda e: (e[0], e[2] == SUMMARY))
    out = []
    cards = []
    for day, date, posted in entries:  # each card posted that day: its language versions too
        cards += [(day, date, posted, s) for s in (versions(posted, by_slug) if posted else [""])]
    for day, date, posted, slug in cards:
        if not slug:
            out.append(Day(day=day, date=date, slug=None, kind="empty", title=""))
            continue
        kind = {LAUNCH: "launch", SUMMARY: "summary"}.get(posted, "case")
        codes = slug[len(posted) + 1 :].split("-") if slug != posted else []
        language = " and ".join(LANGUAGE_NAMES[c] for c in codes)
        fmt = _image_format(project, kind)
        shown = by_card.get((fmt or "", slug))
        mine = by_slug.get(slug, [])
        any_entry = next((r.entry for r in mine if r.entry), None)
        words = shown.entry if shown and shown.entry else any_entry
        problems = [str(p) for r in mine for p in r.problems]
        if fmt is None:
            problems.append(f"no format has a {kind} card")
        loaded = next((c for c in cases if c.slug == slug), None)
        title = (words.title if words else None) or (loaded.case.title if loaded else slug)
        out.append(
            Day(
                day=day,
                date=date,
                slug=slug,
                kind=kind,
                title=title,
                language=language,
                entry=shown.entry if shown else None,
                result=shown,
                posts=dict(words.posts) if words else {},
                alt=words.alt if words else "",
                url=words.url if words else None,
                problems=list(dict.fromkeys(problems)),
            )
        )
    return out


def status_line(
    status: Mapping[str, SignStatus] | None, slug: str, zone: dt.tzinfo | None = None
) -> tuple[str, str, tuple[float, float, float]]:
    """(state, the status in words, its colour) of a card's sign-off."""
    if status is None:
        return "", "sign-off not required", GREY
    found = status.get(slug)
    if found is None or found.state == "not approved":
        return "not approved", "not approved", RED
    who = f" by {found.by}" if found.by else ""
    when = f" on {_day_of(found.at, zone)}" if found.at else ""
    if found.state == "approved":
        return "approved", f"approved{who}{when}", GREEN
    if found.state == "changed":
        what = ", ".join(found.changed) or "the card"
        before = f" (approved{who}{when})" if who or when else ""
        return "changed", f"changed since approval: {what}{before}", ORANGE
    return found.state, found.state, GREY


def _day_of(at: str, zone: dt.tzinfo | None) -> str:
    """An ISO timestamp as ``1 December 2026`` (in the campaign's time zone if it has one)."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return f"{moment:%-d %B %Y}"


# --- layout -------------------------------------------------------------------------------------


class Layout:
    """Lays the pack out page by page (drawing steps, nothing drawn yet)."""

    def __init__(self, setter: Setter, campaign: Campaign, project: Project, out_dir: Path):
        self.s = setter
        self.campaign = campaign
        self.project = project
        self.out_dir = out_dir
        self.pages: list[Page] = []
        self.page_of: dict[int, int] = {}  # index of a Day -> its first page (1-based)

    def page(self, outline: str | None = None) -> Page:
        """A new page at the end."""
        page = Page(outline=outline)
        self.pages.append(page)
        return page

    def columns(self, heading: str, title: str, count: int = 3) -> Iterator[Frame]:
        """Continuation pages, each with a heading and ``count`` columns, for ever."""
        width = (CONTENT_W - (count - 1) * GUTTER) / count
        while True:
            page = self.page()
            y = self.s.block(page, MARGIN, TOP, CONTENT_W, f"{heading} (continued)", HEAD)
            y = self.s.block(page, MARGIN, y, CONTENT_W, title, HEAD.but(colour=INK))
            for i in range(count):
                yield Frame(page, MARGIN + i * (width + GUTTER), y + 10, width, BOTTOM)

    # cover -------------------------------------------------------------------------------

    def cover(
        self,
        days: list[Day],
        status: Mapping[str, SignStatus] | None,
        problems: list[str],
        zone: dt.tzinfo | None,
    ) -> None:
        """The cover: the campaign, its dates, its posts, the approval counts."""
        from .posts import platforms

        s, c = self.s, self.campaign
        page = self.page("Cover")
        y = s.block(page, MARGIN, TOP + 20, CONTENT_W, "Sign-off pack", HEAD)
        y = s.block(page, MARGIN, y + 4, CONTENT_W, c.name, BIG)
        y = s.block(page, MARGIN, y + 4, CONTENT_W, c.organisation, TITLE.but(bold=False))
        y = s.block(page, MARGIN, y + 2, CONTENT_W, f"{c.hashtag} · {c.slogan}", BODY)
        cards = [d for d in days if d.slug]
        chosen = platforms(c)
        kinds = sum(d.kind == "case" for d in cards)
        parts = ["the launch graphic"] * any(d.kind == "launch" for d in cards)
        parts += [f"{kinds} case stud{'y' if kinds == 1 else 'ies'}"]
        parts += ["the summary"] * any(d.kind == "summary" for d in cards)
        empty = [d.day for d in days if d.kind == "empty"]
        facts = [
            (
                "Dates",
                f"{c.start:%A %-d %B %Y} to {c.end:%A %-d %B %Y}: "
                f"{c.days} day{'s' * (c.days != 1)}",
            ),
            ("Posting", f"{c.posting.time} {c.posting.timezone} each day"),
            ("Cards", f"{len(cards)}: " + ", ".join(parts)),
            (
                "Posts",
                f"{len(cards) * len(chosen)}: {len(cards)} cards on {len(chosen)} platform"
                f"{'s' * (len(chosen) != 1)} ({', '.join(p.name for p in chosen)})",
            ),
            ("Sign-off", self._counts(cards, status, zone)),
        ]
        if empty:
            facts.append(("Empty days", "no case is scheduled on day " + _and(map(str, empty))))
        y += 22
        label_w = 110.0
        for name, value in facts:
            s.show(page, MARGIN, y - 2 + BODY.line * 0.75, name.upper(), LABEL)
            y = s.block(page, MARGIN + label_w, y - 2, CONTENT_W - label_w, value, BODY) + 6
        note = (
            "Each card has its page: the card as it will be posted, each platform's post with "
            "its length as that platform counts it and its limit, the alt text, the link and "
            "its approval. Sign and date the box on each page to clear it."
        )
        y = s.block(page, MARGIN, y + 10, CONTENT_W, note, BODY.but(colour=GREY))
        if problems:
            paras = [Para("PROBLEMS THE BUILD FOUND (fix before posting)", LABEL, keep=True)]
            paras += [Para(p, BODY.but(size=8.5), before=2) for p in problems]
            frame = Frame(page, MARGIN, y + 16, CONTENT_W, BOTTOM)
            s.flow(paras, frame, self.columns("Cover", "Problems the build found", 2))

    def _counts(
        self, cards: list[Day], status: Mapping[str, SignStatus] | None, zone: dt.tzinfo | None
    ) -> str:
        if status is None:
            return "sign-off not required"
        states = [status_line(status, d.slug or "", zone)[0] for d in cards]
        counts = {s: states.count(s) for s in ("approved", "not approved", "changed")}
        return (
            f"{counts['approved']} approved · {counts['not approved']} not approved · "
            f"{counts['changed']} changed since approval"
        )

    # schedule ----------------------------------------------------------------------------

    def schedule(
        self, days: list[Day], status: Mapping[str, SignStatus] | None, zone: dt.tzinfo | None
    ) -> None:
        """The schedule as a table: day, date, title in full, approval, page."""
        s = self.s
        cols = [("Day", 54.0), ("Date", 96.0), ("Card", 0.0), ("Approval", 190.0), ("Page", 34.0)]
        fixed = sum(w for _, w in cols) + GUTTER * 0.5 * (len(cols) - 1)
        widths = [w or CONTENT_W - fixed for _, w in cols]
        xs = [MARGIN + sum(widths[:i]) + GUTTER * 0.5 * i for i in range(len(cols))]
        pad = 3.5

        def start(first: bool) -> tuple[Page, float]:
            page = self.page("Schedule" if first else None)
            head = "Schedule" if first else "Schedule (continued)"
            y = s.block(page, MARGIN, TOP, CONTENT_W, head, TITLE) + 8
            for (name, _), x in zip(cols, xs, strict=True):
                s.show(page, x, y + LABEL.size, name.upper(), LABEL)
            y += LABEL.line + pad
            self._rule(page, y, INK, 0.8)
            return page, y

        page, y = start(True)
        for index, d in enumerate(days):
            if d.kind == "launch":
                day = "Launch"
            elif d.kind == "summary":
                day = "Summary"
            else:
                day = str(d.day)
            if d.slug:
                title, colour = d.title, INK
                _, state, tint = status_line(status, d.slug, zone)
            else:
                title, colour, state, tint = "no case scheduled", GREY, "", GREY
            cells = [
                (day, CELL.but(bold=True)),
                (f"{d.date:%a %-d %b %Y}", CELL),
                (title, CELL.but(colour=colour)),
                (state, CELL.but(colour=tint)),
            ]
            wrapped = [s.lines(t, w, st) for (t, st), w in zip(cells, widths, strict=False)]
            height = max(len(lines) for lines in wrapped) * CELL.line + 2 * pad
            if y + height > BOTTOM:
                page, y = start(False)
            for (_, style), lines, x in zip(cells, wrapped, xs, strict=False):
                for k, line in enumerate(lines):
                    base = y + pad + (k + 1) * CELL.line - CELL.line * 0.25
                    s.show(page, x, base, line, style)
            if d.slug:
                self._page_number(page, xs[-1], y + pad + CELL.line * 0.75, index)
            y += height
            self._rule(page, y, RULE, 0.5)

    def _page_number(self, page: Page, x: float, baseline: float, index: int) -> None:
        """The page a day starts on, known only when every page is laid out: a link to it."""
        s = self.s

        def op(ctx: Any) -> None:
            number = self.page_of.get(index)
            if number is None:
                return
            ctx.set_source_rgb(*INK)
            s.select(ctx, CELL)
            ctx.tag_begin(s.cairo.TAG_LINK, f"page={number}")
            ctx.move_to(x, baseline)
            ctx.show_text(str(number))
            ctx.tag_end(s.cairo.TAG_LINK)

        page.ops.append(op)

    def _rule(self, page: Page, y: float, colour: tuple[float, float, float], w: float) -> None:
        def op(ctx: Any) -> None:
            ctx.set_source_rgb(*colour)
            ctx.set_line_width(w)
            ctx.move_to(MARGIN, y)
            ctx.line_to(PAGE_W - MARGIN, y)
            ctx.stroke()

        page.ops.append(op)

    # a day ---------------------------------------------------------------------------------

    def day(
        self,
        index: int,
        d: Day,
        status: Mapping[str, SignStatus] | None,
        zone: dt.tzinfo | None,
    ) -> None:
        """A card's page (and more if its posts need them)."""
        from .posts import counted, platforms

        s = self.s
        page = self.page(f"{d.label.split(' · ')[0]}: {d.title}")
        self.page_of[index] = len(self.pages)
        y = s.block(page, MARGIN, TOP, CONTENT_W, d.label, HEAD)
        y = s.block(page, MARGIN, y + 2, CONTENT_W, d.title, TITLE) + 12
        # The approval and the boxes to sign at the foot of the left column; the card, large,
        # above them; the alt text and link below the card (beside it, if it is a tall one).
        sign_top = self._sign(page, d, status, zone)
        room = sign_top - 14 - y - SMALL.line * 2
        card_w, card_bottom = self._card(page, d, MARGIN, y, CARD_W, min(room, CARD_W * 0.75))
        if card_w <= CARD_W * 0.6:
            beside = MARGIN + card_w + 16
            left = Frame(page, beside, y - 8, MARGIN + CARD_W - beside, sign_top - 12, True)
        else:
            left = Frame(page, MARGIN, card_bottom + 8, CARD_W, sign_top - 12, True)
        right_x = MARGIN + CARD_W + GUTTER
        right = Frame(page, right_x, y - 8, PAGE_W - MARGIN - right_x, BOTTOM)

        def frames() -> Iterator[Frame]:
            yield right
            yield from self.columns(d.label, d.title)

        more = frames()
        alt = [
            Para(f"ALT TEXT · {len(d.alt):,} characters", LABEL, before=6, keep=True),
            Para(d.alt or "(none)", BODY, whole=True),
        ]
        link = [
            Para("LINK", LABEL, before=8, keep=True),
            Para(d.url or "(none)", BODY, uri=d.url),
        ]
        frame = s.flow(alt + link, left, more)
        if frame is left:
            frame = next(more)  # the posts start at the top of the right-hand column
        groups: dict[str, list[str]] = {}  # the same words on several platforms: shown once
        for key, text in d.posts.items():
            groups.setdefault(text, []).append(key)
        names = {p.key: p.name for p in platforms(self.campaign)}
        paras = [Para("POSTS", LABEL, before=14, keep=True)]
        for text, keys in groups.items():
            posts = [counted(k, text, self.campaign) for k in keys]
            heading = " · ".join(  # no-break spaces: "LinkedIn 407/3,000" stays on one line
                f"{names.get(p.platform, p.platform)} {p.length:,}/{p.limit:,}".replace(
                    " ", "\u00a0"
                )
                for p in posts
            )
            paras.append(Para(heading, BODY.but(bold=True), before=8, keep=True))
            over = [p for p in posts if p.length > p.limit]
            if over:
                too_long = "; ".join(
                    f"{names.get(p.platform, p.platform)} by {p.length - p.limit:,}" for p in over
                )
                paras.append(Para(f"too long for {too_long}", BODY.but(colour=RED), keep=True))
            paras.append(Para(text, BODY, before=1))
        if not d.posts:
            paras.append(Para("(no posts: the card could not be made)", BODY.but(colour=RED)))
        s.flow(paras, frame, more)

    def _card(
        self, page: Page, d: Day, x: float, y: float, w: float, h: float
    ) -> tuple[float, float]:
        """Draw the card, vectors if it can be, into at most ``w`` × ``h``: (its width, the
        bottom of its caption)."""
        entry = d.entry
        if entry is None:
            text = "The card could not be made:\n" + "\n".join(d.problems or ["no image"])
            bottom = self.s.block(page, x + 8, y + 4, w - 16, text, BODY.but(colour=RED)) + 8
            self._box(page, x, y, w, bottom - y, RED)
            return w, bottom
        scale = min(w / entry.width, h / entry.height)
        cw, ch = entry.width * scale, entry.height * scale
        drawing, raster = None, False
        if d.result is not None:
            from .card import prepare

            try:
                svg = prepare(d.result.job, self.project).svg
                drawing = vector_card(svg, entry.width, entry.height)
            except CardgenError:
                drawing = None
        if drawing is None:  # fall back on the PNG the build wrote
            import cairocffi

            try:
                drawing = cairocffi.ImageSurface.create_from_png(str(self.out_dir / entry.path))
                raster = True
            except (OSError, MemoryError):
                drawing = None

        def op(ctx: Any) -> None:
            if drawing is not None:
                ctx.save()
                ctx.rectangle(x, y, cw, ch)
                ctx.clip()
                ctx.translate(x, y)
                ctx.scale(scale, scale)
                ctx.set_source_surface(drawing, 0, 0)
                ctx.paint()
                ctx.restore()
            ctx.set_source_rgb(*RULE)
            ctx.set_line_width(0.5)
            ctx.rectangle(x, y, cw, ch)
            ctx.stroke()

        page.ops.append(op)
        size = f"{entry.format} · {entry.width}×{entry.height}"
        caption = f"{size} · {entry.path}" + (" (from the PNG)" if raster else "")
        return cw, self.s.block(page, x, y + ch + 1, max(cw, 150.0), caption, SMALL)

    def _box(
        self, page: Page, x: float, y: float, w: float, h: float, colour: tuple[float, ...]
    ) -> None:
        def op(ctx: Any) -> None:
            ctx.set_source_rgb(*colour)
            ctx.set_line_width(0.8)
            ctx.rectangle(x, y, w, h)
            ctx.stroke()

        page.ops.append(op)

    def _sign(
        self,
        page: Page,
        d: Day,
        status: Mapping[str, SignStatus] | None,
        zone: dt.tzinfo | None,
    ) -> float:
        """The approval status and the boxes to sign and date, at the foot of the card's
        column; returns their top."""
        s = self.s
        _, words, colour = status_line(status, d.slug or "", zone)
        style = BODY.but(bold=True, colour=colour)
        lines = s.lines(words, CARD_W, style)
        box_h = 46.0
        top = BOTTOM - box_h - len(lines) * style.line - LABEL.line - 8
        y = top
        s.show(page, MARGIN, y + LABEL.size, "APPROVAL", LABEL)
        y = s.block(page, MARGIN, y + LABEL.line - 2, CARD_W, words, style) + 6
        signed_w = CARD_W * 0.64
        self._box(page, MARGIN, y, signed_w, box_h, INK)
        s.show(page, MARGIN + 5, y + 11, "Signed", SMALL)
        date_x = MARGIN + signed_w + 12
        self._box(page, date_x, y, MARGIN + CARD_W - date_x, box_h, INK)
        s.show(page, date_x + 5, y + 11, "Date", SMALL)
        return top


def _and(items: Any) -> str:
    """``1, 2 and 3``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- the PDF ------------------------------------------------------------------------------------


def _creation_date() -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH's if set, else a fixed one, so the same
    inputs give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return FIXED_DATE


def write_pack(
    project: Project,
    out_dir: Path,
    target: Path,
    *,
    status: Mapping[str, SignStatus] | None = None,
) -> PackReport:
    """Build what is missing, then write the sign-off pack to ``target``.

    ``status`` maps a card's slug to its sign-off (a slug missing from it is not approved);
    None means the campaign does not use sign-off.
    """
    from zoneinfo import ZoneInfo

    from .build import build, out_lock, write_atomic

    started = time.perf_counter()
    report = build(project, out_dir)
    campaign = report.campaign
    project.fonts.setup()  # before cairo sets any text: the bundled fonts, never the system's
    import cairocffi

    zone: dt.tzinfo | None = ZoneInfo(campaign.posting.timezone)
    days = days_of(project, report.results, campaign)
    buffer = io.BytesIO()
    surface = cairocffi.PDFSurface(buffer, PAGE_W, PAGE_H)
    surface.set_metadata(cairocffi.PDF_METADATA_CREATE_DATE, _creation_date())
    surface.set_metadata(cairocffi.PDF_METADATA_TITLE, f"{campaign.name}: sign-off pack")
    surface.set_metadata(cairocffi.PDF_METADATA_SUBJECT, f"{campaign.hashtag} sign-off pack")
    from . import __version__

    surface.set_metadata(cairocffi.PDF_METADATA_CREATOR, f"cardgen {__version__}")
    ctx = cairocffi.Context(surface)
    setter = Setter(ctx, project.fonts.missing)
    layout = Layout(setter, campaign, project, out_dir)
    problems = [str(p) for p in dict.fromkeys(report.problems)]
    layout.cover(days, status, problems, zone)
    layout.schedule(days, status, zone)
    for index, d in enumerate(days):
        if d.slug:
            layout.day(index, d, status, zone)
    brand = _rgb(campaign.brand.colour)
    footer = f"{campaign.name} {campaign.hashtag} · sign-off pack"
    total = len(layout.pages)
    for number, page in enumerate(layout.pages, 1):
        ctx.set_source_rgb(*brand)
        ctx.rectangle(0, 0, PAGE_W, 8)
        ctx.fill()
        setter.show(page, MARGIN, PAGE_H - MARGIN + 16, footer, SMALL)
        counter = f"page {number} of {total}"
        right = PAGE_W - MARGIN - setter.width(counter, SMALL)
        setter.show(page, right, PAGE_H - MARGIN + 16, counter, SMALL)
        for op in page.ops:
            ctx.save()
            op(ctx)
            ctx.restore()
        if page.outline:
            surface.add_outline(cairocffi.PDF_OUTLINE_ROOT, page.outline, f"page={number}", 0)
        ctx.show_page()
    surface.finish()
    data = buffer.getvalue()
    with out_lock(out_dir, project):
        write_atomic(target, data)
    return PackReport(
        path=target,
        pages=total,
        bytes=len(data),
        seconds=time.perf_counter() - started,
        problems=list(report.problems),
    )


def _rgb(colour: str) -> tuple[float, float, float]:
    from .colour import parse

    rgb = parse(colour) or (0x12, 0x28, 0x4C)
    return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)


# --- the command --------------------------------------------------------------------------------


@click.command("pack")
@project_options
@out_option
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the PDF (default: OUT/pack.pdf).",
)
def pack_cmd(project: Project, out_dir: Path, file: Path | None) -> None:
    """Write the sign-off pack: one PDF (A4 landscape) for the clearance meeting, with a
    cover, the schedule and a page per card (the card, its posts, alt text, link and a box
    to sign), building any card that is missing or stale first.

    \b
    Example:
      cardgen pack                     # out/pack.pdf
      cardgen pack --file clearance.pdf
    """
    import sys

    from .cli import fail

    target = file or out_dir / "pack.pdf"
    from .model import open_campaign
    from .signoff import day_statuses

    status = None
    if open_campaign(project).sign_off.required:
        rows, _ = day_statuses(project)
        status = {slug: state for _, _, slug, _, state in rows}
    report = write_pack(project, out_dir, target, status=status)
    fail(report.problems)
    click.echo(
        f"{project.display(target)}: {report.pages} pages, {report.size_text} "
        f"in {report.seconds:.1f} s"
    )
    if report.problems:
        sys.exit(1)
