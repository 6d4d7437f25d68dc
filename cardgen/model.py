"""Case and campaign models: TOML loading and validation with errors that name file and field."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from . import fonts
from .errors import CardgenError, Problem
from .text import clean_text

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
URL = re.compile(r"^https?://[^\s<>\"]+$")
CAMPAIGN_FILE = "campaign.toml"
LAUNCH = "launch"  # the launch graphic's slug; no case may take it
SUMMARY = "summary"  # the closing infographic's slug


def _clean(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def _drawable(value: str) -> str:
    message = fonts.undrawable(value)
    if message:
        raise ValueError(f"{message}; remove or replace it")
    return value


def _text(max_length: int) -> Any:
    return Annotated[
        str,
        BeforeValidator(_clean),
        Field(min_length=1, max_length=max_length),
        AfterValidator(_drawable),
    ]


def _clean_post(value: Any) -> Any:
    # Posted words, not drawn ones: keep line breaks and emoji, drop control characters.
    if not isinstance(value, str):
        return value
    lines = clean_text_lines(value)
    return "\n".join(lines).strip()


def _post_text(max_length: int) -> Any:
    return Annotated[str, BeforeValidator(_clean_post), Field(min_length=1, max_length=max_length)]


def clean_text_lines(value: str) -> list[str]:
    """Each line cleaned as :func:`clean_text` does, blank lines kept (one at most in a row)."""
    out: list[str] = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        cleaned = clean_text(line)
        if cleaned or (out and out[-1]):
            out.append(cleaned)
    return out


Colour = Annotated[str, Field(pattern=COLOUR.pattern)]
Url = Annotated[str, BeforeValidator(_clean), Field(max_length=2000, pattern=URL.pattern)]


class _Strict(BaseModel):
    # strict: TOML already has types, so "3" for a day is a mistake, not a number.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Outcome(_Strict):
    """One headline result: a short figure and what it measures."""

    figure: _text(12)
    label: _text(80)


class Case(_Strict):
    """One case study, as written in ``cases/<slug>.toml``."""

    title: _text(300)
    organisation: _text(150)
    service: _text(64)
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=3)]
    summary: _text(600) | None = None
    model: _text(150) | None = None
    partners: Annotated[list[_text(150)], Field(max_length=12)] = []
    url: Url | None = None
    day: Annotated[int, Field(ge=1)] | None = None
    tweet: _post_text(1000) | None = None  # links count 23 however long: checked when built
    alt: _post_text(420) | None = None


class Theme(_Strict):
    """A service area's label and colours."""

    label: _text(60)
    background: Colour
    ink: Colour  # text on the background
    accent: Colour  # bands and figure panels
    on_accent: Colour  # text on the accent


class Campaign(_Strict):
    """The campaign: ``cases/campaign.toml``."""

    name: _text(120)
    organisation: _text(150)
    hashtag: Annotated[str, Field(pattern=r"^#\w{1,100}$"), AfterValidator(_drawable)]
    slogan: _text(200)
    start: dt.date
    days: Annotated[int, Field(ge=1, le=366)]
    url: Url | None = None
    services: Annotated[dict[str, Theme], Field(min_length=1)]

    def date_of(self, day: int) -> dt.date:
        """The date a campaign day falls on (day 1 is the start date)."""
        return self.start + dt.timedelta(days=day - 1)

    @property
    def end(self) -> dt.date:
        """The last day of the campaign."""
        return self.date_of(self.days)

    @property
    def slogan_terms(self) -> list[str]:
        """The slogan's terms, split at its "=" signs."""
        return [t.strip() for t in self.slogan.split("=") if t.strip()]


@dataclass(frozen=True)
class Loaded:
    """A validated case with where it came from."""

    slug: str
    path: Path
    case: Case

    @property
    def where(self) -> str:
        """The file as users should see it in messages."""
        return display(self.path)


def display(path: Path) -> str:
    """A path relative to the working folder when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue  # pydantic's marker for "the key itself", which the message names
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).isidentifier() or re.fullmatch(r"[\w-]+", str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


_TYPE_NAMES = {
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "list_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "date_type": "expected a date (YYYY-MM-DD, unquoted)",
    "missing": "required, but missing",
}


def _message(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in _TYPE_NAMES:
        got = err.get("input")
        suffix = "" if kind == "missing" else f", got {type(got).__name__} {got!r}"[:80]
        return _TYPE_NAMES[kind] + suffix
    if kind == "extra_forbidden":
        return f"unknown key (allowed: {', '.join(model.model_fields)})"
    text = isinstance(err.get("input"), str)
    if kind == "string_too_short" or (kind == "too_short" and text):
        return "must not be empty"
    if kind == "string_too_long" or (kind == "too_long" and text):
        return f"too long ({len(err['input'])} characters; at most {ctx['max_length']})"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        bound = "at least" if kind == "too_short" else "at most"
        return f"expected {bound} {n} item{'s' * (n != 1)}, got {ctx.get('actual_length')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} is not valid here (expected to match {ctx['pattern']})"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line :class:`CardgenError`."""
    where = display(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CardgenError(Problem(where, "", "file not found")) from None
    except OSError as exc:
        raise CardgenError(Problem(where, "", f"cannot read: {exc.strerror}")) from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from Windows editors is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
        raise CardgenError(Problem(where, "", msg)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardgenError(Problem(where, "", f"invalid TOML: {exc}")) from None


def validate(model: type[BaseModel], data: dict[str, Any], where: str) -> Any:
    """Validate data against a model; every problem becomes a ``FILE: FIELD: message`` line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            # The model that owns the failing key, for "allowed keys" hints.
            owner: type[BaseModel] = model
            for part in err["loc"][:-1]:
                if isinstance(part, str) and part in owner.model_fields:
                    ann = owner.model_fields[part].annotation
                    for arg in getattr(ann, "__args__", ()) or (ann,):
                        if isinstance(arg, type) and issubclass(arg, BaseModel):
                            owner = arg
            problems.append(Problem(where, _loc(err["loc"]), _message(err, owner)))
        raise CardgenError(problems) from None


def load_campaign(cases_dir: Path) -> Campaign:
    """Read and validate ``campaign.toml`` in the cases folder."""
    path = cases_dir / CAMPAIGN_FILE
    campaign = validate(Campaign, read_toml(path), display(path))
    problems = [
        Problem(
            display(path),
            f"services.{key}.{text}",
            f"{getattr(theme, text)} on "
            f"{getattr(theme, ground)} has a contrast of {ratio:.2f}:1; at least 4.5:1",
        )
        for key, theme in campaign.services.items()
        for text, ground in (("ink", "background"), ("on_accent", "accent"))
        if (ratio := contrast(getattr(theme, text), getattr(theme, ground))) < 4.5
    ]
    if problems:
        raise CardgenError(problems)
    return campaign


def linear(channel: int) -> float:
    """An sRGB channel (0-255) in linear light, as WCAG 2 defines it."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def case_paths(cases_dir: Path) -> list[Path]:
    """Every case file in the folder, sorted (``campaign.toml`` excluded)."""
    return sorted(p for p in cases_dir.glob("*.toml") if p.name != CAMPAIGN_FILE)


def load_case(path: Path, campaign: Campaign) -> Loaded:
    """Read and validate one case file against the campaign."""
    where = display(path)
    problems: list[Problem] = []
    slug = path.stem
    if not SLUG.match(slug) or slug in (LAUNCH, SUMMARY):
        problems.append(
            Problem(
                where,
                "",
                f'file name "{path.name}" is not a valid slug: use lower-case letters, digits and '
                "hyphens (at most 64), not starting with a hyphen"
                + (f"; '{slug}' is reserved" if slug in (LAUNCH, SUMMARY) else ""),
            )
        )
    try:
        case = validate(Case, read_toml(path), where)
    except CardgenError as exc:
        raise CardgenError(problems + exc.problems) from None
    if case.service not in campaign.services:
        known = ", ".join(campaign.services)
        problems.append(
            Problem(where, "service", f'unknown service "{case.service}"; use one of: {known}')
        )
    if case.day is not None and case.day > campaign.days:
        problems.append(Problem(where, "day", f"must be between 1 and {campaign.days}"))
    if problems:
        raise CardgenError(problems)
    return Loaded(slug, path, case)


def load_cases(cases_dir: Path, campaign: Campaign) -> tuple[list[Loaded], list[Problem]]:
    """Every valid case, and every problem found; clashing days make both cases invalid."""
    good: list[Loaded] = []
    problems: list[Problem] = []
    for path in case_paths(cases_dir):
        try:
            good.append(load_case(path, campaign))
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
                    Problem(loaded.where, "day", f"day {day} is also taken by {others}")
                )
                clashing.add(loaded.slug)
    return [c for c in good if c.slug not in clashing], problems


def open_cases_dir(cases_dir: Path) -> Campaign:
    """Check the cases folder exists and load its campaign."""
    if not cases_dir.exists():
        raise CardgenError(Problem(display(cases_dir), "", "cases folder does not exist"))
    if not cases_dir.is_dir():
        raise CardgenError(Problem(display(cases_dir), "", "not a folder"))
    return load_campaign(cases_dir)
