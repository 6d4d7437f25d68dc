"""The declarative validator: every message word for word, nesting, hooks and import cost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest

from cardgen.errors import CardgenError
from cardgen.schema import Int, Items, Pattern, Record, Table, Text, dump, field_path, validate

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
COLOUR = r"^#(?:[0-9a-fA-F]{3}){1,2}$"
NOT_A_COLOUR = "is not a colour: use a hex colour such as #005EA5"
KINDS = ("case", "launch", "summary")


def squash(value: str) -> str:
    """A stand-in for cardgen.text.clean_text: NFC, whitespace collapsed and trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def drawable(value: str) -> None:
    """A stand-in for the font check: refuses emoji, naming the character."""
    for ch in value:
        if ord(ch) >= 0x1F000:
            raise ValueError(f"the bundled font cannot draw '{ch}' (U+{ord(ch):04X}); remove it")


class Outcome(Record):
    figure: Annotated[str, Text(12)]
    label: Annotated[str, Text(80)]


class Case(Record):
    title: Annotated[str, Text(300, clean=squash, check=drawable)]
    outcomes: Annotated[tuple[Outcome, ...], Items(min_length=1, max_length=3)]
    summary: Annotated[str | None, Text(600, clean=squash)] = None
    partners: Annotated[tuple[str, ...], Items(max_length=12, item=Text(150))] = ()
    url: Annotated[str, Text(2000, pattern=r"^https?://\S+$")] | None = None
    day: Annotated[int | None, Int(ge=1, le=366)] = None
    kind: Literal["case", "launch", "summary"] = "case"
    featured: bool = False
    start: dt.date | None = None
    share: Annotated[float, Int(ge=0, le=1)] = 0.5


class Theme(Record):
    background: Annotated[str, Pattern(COLOUR, NOT_A_COLOUR)]
    ink: Annotated[str, Pattern(COLOUR, NOT_A_COLOUR)]

    def check(self) -> Iterator[tuple[str, str]]:
        if self.ink.lower() == self.background.lower():
            yield "ink", f"{self.ink} on {self.background}: no contrast at all"


class Campaign(Record):
    name: Annotated[str, Text(120)]
    start: dt.date
    services: Annotated[dict[str, Theme], Table(min_length=1)]


class FormatSpec(Record):
    width: Annotated[int, Int(ge=16, le=8192)]
    kinds: Annotated[tuple[Literal["case", "launch", "summary"], ...], Items(min_length=1)] = KINDS


class Formats(Record):
    formats: Annotated[dict[str, FormatSpec], Table(min_length=1, key=Pattern(SLUG))]


CASE: dict[str, Any] = {
    "title": "A short title",
    "outcomes": [{"figure": "35%", "label": "fewer admissions"}],
}
WHITE, BLACK = "#ffffff", "#000000"
CAMPAIGN: dict[str, Any] = {
    "name": "Commissioning",
    "start": dt.date(2015, 8, 25),
    "services": {"public-health": {"background": WHITE, "ink": BLACK}},
}


def problems(record: type[Record], data: object) -> list[tuple[str, str]]:
    """The (field, message) pairs validation raises, checking each names the file."""
    with pytest.raises(CardgenError) as info:
        validate(record, data, file="cases/x.toml")
    assert {p.file for p in info.value.problems} == {"cases/x.toml"}
    return [(p.field, p.message) for p in info.value.problems]


def case(**changes: Any) -> dict[str, Any]:
    """The valid case with keys replaced (a value of ... deletes the key)."""
    data = {**CASE, **changes}
    return {k: v for k, v in data.items() if v is not ...}


def test_valid_case_becomes_a_record() -> None:
    got = validate(Case, case(title="  Two   words ", partners=["A", "B"], share=1), file="x")
    assert got.title == "Two words"  # cleaned
    assert got.outcomes == (Outcome(figure="35%", label="fewer admissions"),)
    assert isinstance(got.outcomes[0], Outcome)
    assert got.partners == ("A", "B")
    assert got.share == 1.0 and isinstance(got.share, float)
    assert (got.summary, got.url, got.day, got.kind, got.featured, got.start) == (
        None,
        None,
        None,
        "case",
        False,
        None,
    )
    assert validate(Case, CASE).partners == ()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": ...}, [("title", "required, but missing")]),
        ({"title": 3}, [("title", "expected a string, got int 3")]),
        ({"title": "   "}, [("title", "must not be empty")]),
        ({"title": ""}, [("title", "must not be empty")]),
        ({"title": "x" * 10000}, [("title", "too long (10000 characters; at most 300)")]),
        ({"title": f" {'x' * 301}  "}, [("title", "too long (301 characters; at most 300)")]),
        ({"title": "e\u0301" * 300}, []),  # 300 characters once NFC-normalised
        (
            {"title": "Wins \U0001f3c6"},
            [("title", "the bundled font cannot draw '\U0001f3c6' (U+1F3C6); remove it")],
        ),
        ({"outcomes": []}, [("outcomes", "expected at least 1 item, got 0")]),
        ({"outcomes": CASE["outcomes"] * 4}, [("outcomes", "expected at most 3 items, got 4")]),
        ({"outcomes": "case"}, [("outcomes", "expected a list, got str 'case'")]),
        ({"outcomes": ["x"]}, [("outcomes[0]", "expected a table, got str 'x'")]),
        (
            {"outcomes": [{"figure": 35, "label": "a"}]},
            [("outcomes[0].figure", "expected a string, got int 35")],
        ),
        (
            {"outcomes": [{"figure": "1", "label": "a", "day": 3}]},
            [("outcomes[0].day", "unknown key (allowed: figure, label)")],
        ),
        ({"day": "3"}, [("day", "expected a whole number, got str '3'")]),
        ({"day": True}, [("day", "expected a whole number, got bool True")]),
        ({"day": 2.0}, [("day", "expected a whole number, got float 2.0")]),
        ({"day": 0}, [("day", "must be at least 1")]),
        ({"day": 367}, [("day", "must be at most 366")]),
        ({"day": 366}, []),
        ({"kind": "x"}, [("kind", "'x' is not one of: case, launch, summary")]),
        ({"kind": 1}, [("kind", "1 is not one of: case, launch, summary")]),
        ({"featured": 1}, [("featured", "expected true or false, got int 1")]),
        ({"featured": "yes"}, [("featured", "expected true or false, got str 'yes'")]),
        (
            {"start": "2015-08-25"},
            [("start", "expected a date (YYYY-MM-DD, unquoted), got str '2015-08-25'")],
        ),
        (
            {"url": "not a link"},
            [("url", "'not a link' is not valid here (expected to match ^https?://\\S+$)")],
        ),
        ({"partners": "A"}, [("partners", "expected a list, got str 'A'")]),
        (
            {"partners": ["A", 3, ""]},
            [
                ("partners[1]", "expected a string, got int 3"),
                ("partners[2]", "must not be empty"),
            ],
        ),
        ({"partners": ["A"] * 13}, [("partners", "expected at most 12 items, got 13")]),
        ({"share": True}, [("share", "expected a number, got bool True")]),
        ({"share": 2}, [("share", "must be at most 1")]),
    ],
)
def test_messages(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    if expected:
        assert problems(Case, case(**changes)) == expected
    else:
        validate(Case, case(**changes))


def test_got_part_is_cut_to_80_characters() -> None:
    ((field, message),) = problems(Case, case(day="x" * 200))
    assert field == "day"
    assert message == "expected a whole number, got str '" + "x" * 46
    ((_, message),) = problems(Case, case(title=["x" * 200] * 100))  # big values: abridged
    assert message.startswith("expected a string, got list ['xxx")
    assert len(message) <= 80
    ((_, message),) = problems(Case, case(start=dt.datetime(2015, 8, 25, 9, 30)))
    assert message.startswith("expected a date (YYYY-MM-DD, unquoted), got datetime ")
    assert len(message) <= 80


def test_bool_is_not_a_whole_number_and_int_is_not_a_string() -> None:
    assert problems(FormatSpec, {"width": True}) == [
        ("width", "expected a whole number, got bool True")
    ]
    assert problems(Outcome, {"figure": 1, "label": False}) == [
        ("figure", "expected a string, got int 1"),
        ("label", "expected a string, got bool False"),
    ]


def test_every_problem_is_collected_in_declared_order_then_unknown_keys() -> None:
    data = {
        "titel": "typo",  # unknown keys come after the declared fields, whatever their place
        "day": 0,
        "outcomes": [{"figure": 1}, {"figure": "ok", "label": "ok"}, {"label": ""}],
        "kind": "nope",
        "extra": True,
    }
    allowed = ", ".join(Case.fields())
    assert problems(Case, data) == [
        ("title", "required, but missing"),
        ("outcomes[0].figure", "expected a string, got int 1"),
        ("outcomes[0].label", "required, but missing"),
        ("outcomes[2].figure", "required, but missing"),
        ("outcomes[2].label", "must not be empty"),
        ("day", "must be at least 1"),
        ("kind", "'nope' is not one of: case, launch, summary"),
        ("titel", f"unknown key (allowed: {allowed})"),
        ("extra", f"unknown key (allowed: {allowed})"),
    ]


def test_error_prints_one_line_per_problem() -> None:
    with pytest.raises(CardgenError) as info:
        validate(Case, {"title": 3}, file="cases/x.toml")
    assert str(info.value).splitlines() == [
        "cases/x.toml: title: expected a string, got int 3",
        "cases/x.toml: outcomes: required, but missing",
    ]


def test_fields_lists_keys_in_declaration_order() -> None:
    assert Outcome.fields() == ("figure", "label")
    assert Case.fields() == (
        *("title", "outcomes", "summary", "partners", "url"),
        *("day", "kind", "featured", "start", "share"),
    )


def test_not_a_table_at_the_top() -> None:
    assert problems(Outcome, ["x"]) == [("", "expected a table, got list ['x']")]


def test_dict_of_records() -> None:
    campaign = validate(Campaign, CAMPAIGN)
    assert campaign.services == {"public-health": Theme(background=WHITE, ink=BLACK)}
    assert campaign.start == dt.date(2015, 8, 25)
    bad = {
        "public-health": {"background": WHITE, "ink": "#ggg"},
        "a b": {"background": WHITE, "ink": BLACK, "accent": WHITE},
        "x": "y",
    }
    assert problems(Campaign, {**CAMPAIGN, "services": bad}) == [
        ("services.public-health.ink", f"'#ggg' {NOT_A_COLOUR}"),
        ('services["a b"].accent', "unknown key (allowed: background, ink)"),
        ("services.x", "expected a table, got str 'y'"),
    ]
    assert problems(Campaign, {**CAMPAIGN, "services": {}}) == [
        ("services", "expected at least 1 entry, got 0")
    ]
    assert problems(Campaign, {**CAMPAIGN, "services": "x"}) == [
        ("services", "expected a table, got str 'x'")
    ]


def test_cross_field_check_runs_once_the_record_is_valid() -> None:
    same = {"background": WHITE, "ink": WHITE}
    assert problems(Campaign, {**CAMPAIGN, "services": {"x": same}}) == [
        ("services.x.ink", "#ffffff on #ffffff: no contrast at all")
    ]
    # A field problem stops the check: no second message about the same record.
    broken = {"background": "#ggg", "ink": "#ggg"}
    assert [f for f, _ in problems(Campaign, {**CAMPAIGN, "services": {"x": broken}})] == [
        "services.x.background",
        "services.x.ink",
    ]


def test_table_keys_are_checked_before_their_values() -> None:
    data = {"formats": {"..": {"width": 1200, "kinds": "case"}}}
    assert problems(Formats, data) == [
        ('formats[".."]', f"'..' is not valid here (expected to match {SLUG})"),
        ('formats[".."].kinds', "expected a list, got str 'case'"),
    ]
    assert problems(Formats, {"formats": {"": {"width": 1200}}}) == [
        ('formats[""]', f"'' is not valid here (expected to match {SLUG})")
    ]
    assert problems(Formats, {"formats": {}}) == [("formats", "expected at least 1 entry, got 0")]


def test_list_of_choices() -> None:
    spec = validate(FormatSpec, {"width": 16, "kinds": ["launch"]})
    assert spec.kinds == ("launch",)
    assert validate(FormatSpec, {"width": 16}).kinds == KINDS
    assert problems(FormatSpec, {"width": 15, "kinds": ["case", "x", 3]}) == [
        ("width", "must be at least 16"),
        ("kinds[1]", "'x' is not one of: case, launch, summary"),
        ("kinds[2]", "3 is not one of: case, launch, summary"),
    ]
    assert problems(FormatSpec, {"width": 16, "kinds": []}) == [
        ("kinds", "expected at least 1 item, got 0")
    ]


def test_records_are_frozen_keyword_only_dataclasses() -> None:
    outcome = validate(Outcome, {"figure": "1", "label": "a"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.figure = "2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Outcome("1", "a")  # type: ignore[misc]
    assert dataclasses.replace(outcome, figure="2") == Outcome(figure="2", label="a")
    assert dataclasses.asdict(outcome) == {"figure": "1", "label": "a"}
    assert hash(outcome) == hash(Outcome(figure="1", label="a"))
    assert hash(validate(Case, case(partners=["A"])))  # tuples keep records hashable


def test_dump_gives_json_ready_data() -> None:
    got = dump(validate(Campaign, CAMPAIGN), exclude={"name"})
    assert got == {
        "start": "2015-08-25",
        "services": {"public-health": {"background": WHITE, "ink": BLACK}},
    }
    assert json.loads(json.dumps(dump(validate(Case, CASE))))["outcomes"] == CASE["outcomes"]


def test_field_paths() -> None:
    assert field_path("", "title") == "title"
    assert field_path("outcomes", 0) == "outcomes[0]"
    assert field_path("services", "public-health") == "services.public-health"
    assert field_path("formats", "..") == 'formats[".."]'
    assert field_path("formats", 'a"b') == 'formats["a\\"b"]'


class Later(Record):
    thing: Undefined  # type: ignore[name-defined]  # noqa: F821


class ListField(Record):
    names: list[str]


class WrongRule(Record):
    count: Annotated[int, Text(3)]


def test_declarations_are_checked_lazily_on_first_use() -> None:
    # Declaring the classes above cost no annotation lookups; using them does.
    assert Later.fields() == ("thing",)
    with pytest.raises(NameError):
        validate(Later, {"thing": 1})
    with pytest.raises(TypeError, match=r"tuple\[X, \.\.\.\]"):
        validate(ListField, {"names": []})
    with pytest.raises(TypeError, match="Text does not apply"):
        validate(WrongRule, {"count": 1})


IMPORT_PROBE = """
import json, sys, time
import cardgen.errors, tomllib, typing  # what loading any TOML file needs anyway
before = set(sys.modules)
start = time.perf_counter()
import cardgen.schema
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed": elapsed, "new": sorted(set(sys.modules) - before)}))
"""


def test_import_is_light(tmp_path: Path) -> None:
    # Bytecode is cached (outside the tree) as it is for users; the first run fills the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    new = set(runs[-1]["new"]) - {"cardgen.schema"}
    assert not {m for m in new if m.split(".")[0] not in sys.stdlib_module_names}, new
    assert "pydantic" not in new
    assert min(run["elapsed"] for run in runs) < 0.010
