"""Case and campaign models: TOML loading and validation with errors that name file and field.

Validation is in two steps: :mod:`cardgen.schema` checks the shape and types of a file; then
every text that will be drawn is checked against the project's fonts (look-alike characters
the fonts lack are mapped to ones they have; anything else they cannot draw is an error).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from . import colour
from .errors import CardgenError, Problem
from .fonts import FAMILY, TYPEFACES
from .schema import Int, Items, Record, Table, Text, field_path, validate
from .text import clean_text, map_lookalikes

if TYPE_CHECKING:
    from .fonts import Fonts
    from .project import Project

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
URL = re.compile(r"^https?://[^\s<>\"]+$")
CAMPAIGN_FILE = "campaign.toml"
LAUNCH = "launch"  # the launch graphic's slug; no case may take it
SUMMARY = "summary"  # the closing infographic's slug
# Fields that are posted or read, not drawn as text (photo_credit is drawn; photo_alt is not).
POSTED = frozenset({"tweet", "alt", "url", "posts", "photo", "photo_alt"})
PHOTO_TYPES = ("jpg", "jpeg", "png", "webp")


def clean_post(value: str) -> str:
    """Posted words, not drawn ones: line breaks and emoji kept, control characters dropped,
    one blank line at most in a row."""
    out: list[str] = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        cleaned = clean_text(line)
        if cleaned or (out and out[-1]):
            out.append(cleaned)
    return "\n".join(out).strip()


def _text(max_length: int) -> Text:
    return Text(max_length, clean=clean_text)


def _post(max_length: int) -> Text:
    return Text(max_length, clean=clean_post)


Colour = Annotated[str, Text(7, clean=colour.normalise)]  # "#fff" becomes "#ffffff"
Url = Annotated[str, Text(2000, clean=clean_text, pattern=URL)]


class Fraction(Int):
    """A share of a photo's width or height: 0 is the left (top) edge, 1 the right (bottom)."""

    def __init__(self) -> None:
        super().__init__(ge=0, le=1)

    def __call__(self, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(
                f"{value:g} is outside the photo: give a fraction from 0 to 1 (0.5 is the middle)"
            )
        return value


def _photo_name(value: str) -> None:
    """A photo is named by its file name in the project's assets folder."""
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f'"{value}" is an absolute path: name a file in the assets folder')
    if ".." in re.split(r"[/\\]", value):
        raise ValueError(f'"{value}" reaches outside the assets folder ("..")')
    if value.rsplit(".", 1)[-1].lower() not in PHOTO_TYPES or "." not in value:
        raise ValueError(f'"{value}" is not a JPEG, PNG or WebP file (.jpg, .png, .webp)')


FRACTION = Fraction()


class Outcome(Record):
    """One headline result: a short figure and what it measures."""

    figure: Annotated[str, _text(12)]
    label: Annotated[str, _text(80)]


class OutcomeText(Record):
    """An outcome in another language: its label, and its figure if it is written otherwise."""

    label: Annotated[str, _text(80)]
    figure: Annotated[str | None, _text(12)] = None


class CaseText(Record):
    """A case's words in another language (the ``[cy]`` table): every field of the case that
    is drawn or posted, in that language."""

    title: Annotated[str, _text(300)]
    organisation: Annotated[str, _text(150)]
    outcomes: Annotated[tuple[OutcomeText, ...], Items(min_length=1, max_length=3)]
    summary: Annotated[str | None, _text(600)] = None
    model: Annotated[str | None, _text(150)] = None
    alt: Annotated[str | None, _post(2000)] = None
    photo_alt: Annotated[str | None, _text(600)] = None
    photo_credit: Annotated[str | None, _text(100)] = None
    posts: Annotated[dict[str, str], Table(key=Text(20, check=_platform), value=_post(5000))] = (
        field(default_factory=dict)
    )


Language = Literal["en", "cy"]
LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


class Case(Record):
    """One case study, as written in ``cases/<slug>.toml``."""

    title: Annotated[str, _text(300)]
    organisation: Annotated[str, _text(150)]
    service: Annotated[str, _text(64)]
    outcomes: Annotated[tuple[Outcome, ...], Items(min_length=1, max_length=3)]
    summary: Annotated[str | None, _text(600)] = None
    model: Annotated[str | None, _text(150)] = None
    partners: Annotated[tuple[str, ...], Items(max_length=12, item=_text(150))] = ()
    url: Url | None = None
    day: Annotated[int | None, Int(ge=1)] = None
    tweet: Annotated[str | None, _post(1000)] = None  # the X post: as posts.x (older files)
    alt: Annotated[str | None, _post(2000)] = None  # checked against each platform's limit
    posts: Annotated[dict[str, str], Table(key=Text(20, check=_platform), value=_post(5000))] = (
        field(default_factory=dict)
    )  # its own post per platform, e.g. x = "…"
    photo: Annotated[str | None, Text(200, check=_photo_name)] = None  # a file in assets/
    photo_alt: Annotated[str | None, _text(600)] = None  # what the photo shows: alt text
    photo_credit: Annotated[str | None, _text(100)] = None  # drawn small on the photo
    # The point of the photo to keep in view: fractions of its width and height.
    photo_focus: Annotated[tuple[float, ...], Items(min_length=2, max_length=2, item=FRACTION)] = (
        0.5,
        0.5,
    )
    # Its words in Welsh, and which of the campaign's languages it is published in (all of
    # them unless it says otherwise: languages = ["en"] for a case not yet translated).
    cy: CaseText | None = None
    languages: Annotated[tuple[Language, ...] | None, Items(min_length=1)] = None

    def check(self) -> list[tuple[str, str]]:
        """``tweet`` is the older name of ``posts.x``: not both; a photo needs its words."""
        found = []
        if self.tweet and "x" in self.posts:
            found.append(("tweet", "give the X post once: as posts.x (tweet is its older name)"))
        if self.photo and not self.photo_alt:
            found.append(("photo_alt", "required with a photo: say in words what the photo shows"))
        if not self.photo:
            for name in ("photo_alt", "photo_credit"):
                if getattr(self, name):
                    found.append((name, 'there is no photo: add photo = "FILE" or remove this'))
        return found


class Theme(Record):
    """A service area's label and colours."""

    label: Annotated[str, _text(60)]
    background: Colour
    ink: Colour  # text on the background
    accent: Colour  # bands and figure panels
    on_accent: Colour  # text on the accent

    def check(self) -> list[tuple[str, str]]:
        """Both text/background pairs must reach WCAG AA."""
        return [
            (
                text,
                f"{getattr(self, text)} on {getattr(self, ground)} has a contrast of "
                f"{ratio:.2f}:1; at least {colour.MIN_TEXT_CONTRAST}:1",
            )
            for text, ground in (("ink", "background"), ("on_accent", "accent"))
            if (ratio := colour.contrast(getattr(self, text), getattr(self, ground)))
            < colour.MIN_TEXT_CONTRAST
        ]


def _pairs(record: Record, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """WCAG AA for each (text, background) pair of colour fields: (field, message) failures."""
    return [
        (
            text,
            f"{getattr(record, text)} on {getattr(record, ground)} ({ground}) has a contrast of "
            f"{ratio:.2f}:1; at least {colour.MIN_TEXT_CONTRAST}:1",
        )
        for text, ground in pairs
        if (ratio := colour.contrast(getattr(record, text), getattr(record, ground)))
        < colour.MIN_TEXT_CONTRAST
    ]


def _platform(key: str) -> None:
    from .platforms import PLATFORMS

    if key not in PLATFORMS:
        raise ValueError(f'unknown platform "{key}"; use one of: {", ".join(PLATFORMS)}')


def _typeface(name: str) -> None:
    if name not in TYPEFACES:
        known = ", ".join(f'"{t}"' for t in TYPEFACES)
        raise ValueError(f'"{name}" is not a bundled typeface; use one of: {known}')


class Brand(Record):
    """The campaign's look, in data: colours, typeface and logo (the ``[brand]`` table)."""

    colour: Colour = "#12284c"  # the brand colour: launch and summary background
    text: Colour = "#ffffff"  # text on the brand colour
    accent: Colour = "#ffdd00"  # bands, the hashtag and the = signs, on the brand colour
    panel: Colour = "#ffffff"  # boxes on the brand colour (the slogan's terms)
    panel_text: Colour | None = None  # text on those boxes; the brand colour if not given
    footer: Colour = "#0b0c0c"  # the band with the slogan on case cards
    footer_text: Colour = "#ffffff"
    typeface: Annotated[str, Text(60, check=_typeface)] = FAMILY
    logo: Annotated[str | None, Text(300)] = None  # a file in the project, SVG or PNG
    logo_alt: Annotated[str | None, _text(150)] = None  # what it says; the organisation if not
    logo_min_height: Annotated[int, Int(ge=16, le=400)] = 40  # px on a 1200px-wide card
    logo_clear_space: Annotated[float, Int(ge=0, le=2)] = 0.25  # × its height, all round

    @property
    def on_panel(self) -> str:
        """Text on the boxes."""
        return self.panel_text or self.colour

    def check(self) -> list[tuple[str, str]]:
        """Every text colour must reach WCAG AA on what it is set on."""
        pairs = (("text", "colour"), ("accent", "colour"), ("footer_text", "footer"))
        found = _pairs(self, pairs)
        if colour.contrast(self.on_panel, self.panel) < colour.MIN_TEXT_CONTRAST:
            which = "panel_text" if self.panel_text else "colour"
            found.append(
                (
                    which,
                    f"{self.on_panel} ({which}) on {self.panel} (panel) has a contrast of "
                    f"{colour.contrast(self.on_panel, self.panel):.2f}:1; at least "
                    f"{colour.MIN_TEXT_CONTRAST}:1: set panel_text",
                )
            )
        return found


PLACEHOLDER = re.compile(r"\{(\w*)\}")
PLACEHOLDERS = {
    "days": "the number of campaign days",
    "cases": "the number of case studies",
    "cases_text": '"1 case study", "5 case studies"',
    "areas_text": '"1 service area", "9 service areas"',
    "name": "the campaign's name",
    "organisation": "the campaign's organisation",
    "hashtag": "the hashtag",
    "slogan": "the slogan",
    "start": "the first day, e.g. 26 October 2026",
    "end": "the last day",
    "more": "on the summary, how many figures a panel leaves out",
}


def _placeholders(text: str) -> None:
    unknown = sorted({m for m in PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})
    if unknown:
        known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}; use {known}")


def _words(max_length: int) -> Text:
    return Text(max_length, clean=clean_text, check=_placeholders)


class Words(Record):
    """The campaign's own phrases (the ``[words]`` table), with ``{placeholders}`` filled in."""

    launch_intro: Annotated[str, _words(200)] = "{days} days of case studies from {organisation}"
    launch_post: Annotated[str, _words(500)] = (
        "Over the next {days} days we’re sharing a case study a day: {slogan}."
    )
    summary_title: Annotated[str, _words(120)] = "The campaign at a glance"
    summary_subtitle: Annotated[str, _words(200)] = (
        "{cases_text} across {areas_text}, {start} to {end}"
    )
    summary_post: Annotated[str, _words(500)] = (
        "{cases_text} in {days} days: thank you to everyone who shared their work."
    )
    # On the summary, in a panel with more figures than fit: {more} is how many it leaves out.
    summary_more: Annotated[str, _words(60)] = "and {more} more"


def _time(value: str) -> None:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a time of day: write it as 10:00 (24-hour clock)")


def _zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a time zone: use a name such as Europe/London"
        ) from None


class Posting(Record):
    """When and where the posts go (the ``[posting]`` table)."""

    time: Annotated[str, Text(5, check=_time)] = "10:00"
    timezone: Annotated[str, Text(60, check=_zone)] = "Europe/London"
    platforms: Annotated[tuple[str, ...], Items(min_length=1, item=Text(20, check=_platform))] = (
        "x",
        "bluesky",
        "mastodon",
        "linkedin",
        "threads",
        "instagram",
        "facebook",
    )
    mastodon_limit: Annotated[int, Int(ge=100, le=100_000)] = 500  # the instance's own
    alt_limit: Annotated[int, Int(ge=100, le=2000)] = 420  # one alt text that fits everywhere


class SignOff(Record):
    """Whether cards need approval before they are posted (the ``[sign_off]`` table)."""

    required: bool = False  # unapproved cards are drawn DRAFT; `today` refuses them


def _word_key(value: str) -> None:
    names = [f.name for f in dataclasses.fields(Words)]
    if value not in names:
        raise ValueError(f"unknown phrase {value!r} (known: {', '.join(names)})")


class CampaignText(Record):
    """The campaign's words in another language (the ``[cy]`` table of campaign.toml)."""

    name: Annotated[str, _text(120)]
    organisation: Annotated[str, _text(150)]
    slogan: Annotated[str, _text(200)]
    services: Annotated[dict[str, str], Table(value=_text(60))] = field(default_factory=dict)
    # Its phrases (the keys of [words]); cardgen's own Welsh for any not given.
    words: Annotated[dict[str, str], Table(key=Text(40, check=_word_key), value=_words(500))] = (
        field(default_factory=dict)
    )


class Campaign(Record):
    """The campaign: ``campaign.toml`` in the project folder (or in its cases folder)."""

    name: Annotated[str, _text(120)]
    organisation: Annotated[str, _text(150)]
    hashtag: Annotated[
        str,
        Text(101, pattern=r"^#\w{1,100}$", mismatch="is not a hashtag (# and letters or digits)"),
    ]
    slogan: Annotated[str, _text(200)]
    start: dt.date
    days: Annotated[int, Int(ge=1, le=366)]
    url: Url | None = None
    services: Annotated[dict[str, Theme], Table(min_length=1)]
    brand: Brand = Brand()
    words: Words = Words()
    posting: Posting = Posting()
    sign_off: SignOff = SignOff()
    # The languages it publishes in, in the order a bilingual card sets them (Welsh first:
    # ["cy", "en"]). English is the language of the files' own fields.
    languages: Annotated[tuple[Language, ...], Items(min_length=1)] = ("en",)
    cy: CampaignText | None = None
    language: Language = "en"  # the language this copy of the campaign speaks (set by cardgen)

    def check(self) -> list[tuple[str, str]]:
        """English is the files' own language; Welsh needs the [cy] table."""
        found = []
        if "en" not in self.languages:
            found.append(("languages", 'must include "en": the file\'s own words are English'))
        if len(set(self.languages)) != len(self.languages):
            found.append(("languages", "each language once"))
        if "cy" in self.languages and self.cy is None:
            found.append(
                (
                    "cy",
                    "required: the campaign publishes in Welsh (languages), so give "
                    "its name, organisation, slogan and service labels in Welsh here",
                )
            )
        if self.cy is not None:
            for key in self.cy.services:
                if key not in self.services:
                    found.append((f"cy.services.{key}", "no such service in [services]"))
        return found

    def date_of(self, day: int) -> dt.date:
        """The date a campaign day falls on (day 1 is the start date)."""
        return self.start + dt.timedelta(days=day - 1)

    @property
    def end(self) -> dt.date:
        """The last day of the campaign."""
        return self.date_of(self.days)

    def say(self, text: str, **counts: int) -> str:
        """A phrase of the campaign with its ``{placeholders}`` filled in, in its language."""
        from .language import counted, date_text

        cases, areas = counts.get("cases", 0), counts.get("areas", 0)
        values = {
            "days": str(self.days),
            "cases": str(cases),
            "cases_text": counted(cases, "case", self.language),
            "areas_text": counted(areas, "area", self.language),
            "name": self.name,
            "organisation": self.organisation,
            "hashtag": self.hashtag,
            "slogan": self.slogan,
            "start": date_text(self.start, self.language),
            "end": date_text(self.end, self.language),
        }
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    @property
    def slogan_terms(self) -> list[str]:
        """The slogan's terms, split at its "=" signs."""
        return [t.strip() for t in self.slogan.split("=") if t.strip()]


def plural(n: int, one: str, many: str) -> str:
    """``1 case study``, ``5 case studies``: counts agree in number."""
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """A validated case with where it came from."""

    slug: str
    path: Path
    where: str  # the file as users see it in messages
    case: Case
    assets: Path | None = None  # where its photo is found: the project's assets/ unless set


def read_toml(path: Path, *, shown: str) -> dict[str, Any]:
    """Parse a TOML file (``shown``: its path as users see it); every failure is one line."""

    def fail(message: str) -> CardgenError:
        return CardgenError(Problem(file=shown, message=message))

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from Windows editors is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"invalid TOML: {exc}") from None


def _lookalikes(data: Any, fonts: Fonts, posted: bool = False) -> Any:
    """Raw TOML data with look-alike characters the fonts lack replaced in drawn text."""
    if isinstance(data, str):
        return data if posted else map_lookalikes(data, fonts.covered)
    if isinstance(data, list):
        return [_lookalikes(v, fonts, posted) for v in data]
    if isinstance(data, dict):
        return {k: _lookalikes(v, fonts, posted or k in POSTED) for k, v in data.items()}
    return data


def _undrawable(value: Any, fonts: Fonts, path: str = "") -> list[tuple[str, str]]:
    """(field, message) for every drawn text of a record the fonts cannot draw."""
    if isinstance(value, str):
        message = fonts.undrawable(value)
        return [(path, f"{message}; remove or replace it")] if message else []
    if isinstance(value, tuple):
        return [p for i, v in enumerate(value) for p in _undrawable(v, fonts, field_path(path, i))]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _undrawable(v, fonts, field_path(path, k))]
    if isinstance(value, Record):
        return [
            p
            for f in dataclasses.fields(value)
            if f.name not in POSTED
            for p in _undrawable(getattr(value, f.name), fonts, field_path(path, f.name))
        ]
    return []


def load(
    model: type[Any], data: dict[str, Any], *, shown: str, fonts: Fonts, slug: str | None = None
) -> Any:
    """Validate data against a model, then its drawn text against the fonts: look-alikes of
    characters they lack are mapped to ones they have, anything else they cannot draw is an
    error. All problems are raised together."""
    try:
        record = validate(model, _lookalikes(data, fonts), file=shown)
    except CardgenError as exc:
        raise CardgenError([dataclasses.replace(p, slug=slug) for p in exc.problems]) from None
    found = _undrawable(record, fonts)
    if found:
        raise CardgenError(Problem(file=shown, field=f, message=m, slug=slug) for f, m in found)
    return record


def load_campaign(project: Project) -> Campaign:
    """Read and validate the campaign file."""
    path = project.campaign_file
    shown = project.display(path)
    return load(Campaign, read_toml(path, shown=shown), shown=shown, fonts=project.fonts)  # type: ignore[no-any-return]


def case_paths(cases_dir: Path) -> list[Path]:
    """Every case file in the folder, sorted: not the campaign or approvals file, nor an
    editor's hidden lock or backup (``.#x.toml``)."""
    others = (CAMPAIGN_FILE, "approvals.toml")
    return sorted(
        p for p in cases_dir.glob("*.toml") if p.name not in others and not p.name.startswith(".")
    )


def load_case(path: Path, campaign: Campaign, project: Project) -> Loaded:
    """Read and validate one case file against the campaign."""
    where = project.display(path)
    slug = path.stem

    def problem(field: str, message: str) -> Problem:
        return Problem(file=where, field=field, message=message, slug=slug)

    problems: list[Problem] = []
    if not SLUG.match(slug) or slug in (LAUNCH, SUMMARY):
        problems.append(
            problem(
                "",
                f'file name "{path.name}" is not a valid slug: use lower-case letters, digits and '
                "hyphens (at most 64), not starting with a hyphen"
                + (f"; '{slug}' is reserved" if slug in (LAUNCH, SUMMARY) else ""),
            )
        )
    try:
        data = read_toml(path, shown=where)
        case: Case = load(Case, data, shown=where, fonts=project.fonts, slug=slug)
    except CardgenError as exc:
        raise CardgenError(
            problems + [dataclasses.replace(p, slug=slug) for p in exc.problems]
        ) from None
    if case.service not in campaign.services:
        known = ", ".join(campaign.services)
        problems.append(
            problem("service", f'unknown service "{case.service}"; use one of: {known}')
        )
    if case.day is not None and case.day > campaign.days:
        problems.append(problem("day", f"must be between 1 and {campaign.days}"))
    problems += _language_problems(case, campaign, project, problem)
    if problems:
        raise CardgenError(problems)
    return Loaded(slug=slug, path=path, where=where, case=case)


def _language_problems(
    case: Case, campaign: Campaign, project: Project, problem: Any
) -> list[Problem]:
    """Every word of the case in each of its languages, and its service's label too."""
    from .language import missing

    languages = case.languages or campaign.languages
    found = [
        problem("languages", f'"{lang}" is not one of the campaign\'s languages')
        for lang in languages
        if lang not in campaign.languages
    ]
    found += [problem(field, message) for field, message in missing(case, languages)]
    cy = campaign.cy
    service = case.service
    if "cy" in languages and cy and service in campaign.services and service not in cy.services:
        found.append(
            Problem(
                file=project.display(project.campaign_file),
                field=f"cy.services.{service}",
                message="Welsh missing for this service's label (a Welsh case uses it)",
                slug=problem("", "").slug,
            )
        )
    return found


def languages_of(case: Case, campaign: Campaign) -> tuple[str, ...]:
    """The languages a case is published in, in the campaign's order."""
    own = case.languages or campaign.languages
    return tuple(lang for lang in campaign.languages if lang in own)


def load_cases(project: Project, campaign: Campaign) -> tuple[list[Loaded], list[Problem]]:
    """Every valid case, and every problem found; clashing days make both cases invalid."""
    good: list[Loaded] = []
    problems: list[Problem] = []
    for path in case_paths(project.cases_dir):
        try:
            good.append(load_case(path, campaign, project))
        except CardgenError as exc:
            problems.extend(exc.problems)
    by_day: dict[int, list[Loaded]] = {}
    for loaded in good:
        if loaded.case.day is not None:
            by_day.setdefault(loaded.case.day, []).append(loaded)
    clashing: set[str] = set()
    for day, group in sorted(by_day.items()):
        if len(group) > 1:
            for loaded in group:
                others = ", ".join(o.where for o in group if o is not loaded)
                problems.append(
                    Problem(
                        file=loaded.where,
                        field="day",
                        message=f"day {day} is also taken by {others}",
                        slug=loaded.slug,
                    )
                )
                clashing.add(loaded.slug)
    return [c for c in good if c.slug not in clashing], problems


def open_campaign(project: Project) -> Campaign:
    """Check the cases folder exists and load its campaign."""
    folder = project.cases_dir
    if not folder.exists():
        raise CardgenError(
            Problem(file=project.display(folder), message="cases folder does not exist")
        )
    if not folder.is_dir():
        raise CardgenError(Problem(file=project.display(folder), message="not a folder"))
    return load_campaign(project)
