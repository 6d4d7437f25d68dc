"""Validation of case files: every field rule, each error naming file and field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cardgen.errors import CardgenError
from cardgen.model import load_campaign, load_case, load_cases
from cardgen.project import Project

from .conftest import CASES, MINIMAL_CASE

PROJECT = Project.open(cases=CASES)
# The shipped campaign publishes in Welsh too; these English test cases are English only.
CAMPAIGN = dataclasses.replace(load_campaign(PROJECT), languages=("en",))


def in_folder(folder: Path) -> Project:
    """A project whose case files are in ``folder``."""
    return Project.open(cases=folder)


def with_day(day: str) -> str:
    """The minimal case with a `day = ...` line (before the outcomes table)."""
    return f"day = {day}\n" + MINIMAL_CASE


def problems(tmp_path: Path, text: str | bytes, name: str = "x.toml") -> list[str]:
    """Write a case file and return its problems as the CLI would print them."""
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    try:
        load_case(path, CAMPAIGN, PROJECT)
    except CardgenError as exc:
        return [f"{p.field}: {p.message}" for p in exc.problems]
    return []


def test_minimal_case_is_valid(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL_CASE) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('title = "A short title"', ""), "title: required, but missing"),
        (('title = "A short title"', 'title = "   "'), "title: must not be empty"),
        (('title = "A short title"', "title = 3"), "title: expected a string, got int 3"),
        (
            ('organisation = "Somewhere Council"', 'organisation = ""'),
            "organisation: must not be empty",
        ),
        (('service = "public-health"', 'service = "parks"'), 'service: unknown service "parks"'),
        (('figure = "35%"', "figure = 35"), "outcomes[0].figure: expected a string, got int 35"),
        (('label = "fewer admissions"', ""), "outcomes[0].label: required, but missing"),
        (
            ('label = "fewer admissions"', 'label = "x"\ncolour = "red"'),
            "outcomes[0].colour: unknown key",
        ),
        (("[[outcomes]]", 'titel = "typo"\n[[outcomes]]'), "titel: unknown key"),
    ],
)
def test_field_rules(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    found = problems(tmp_path, MINIMAL_CASE.replace(*change))
    assert any(p.startswith(expected) for p in found), found


def test_outcome_count(tmp_path: Path) -> None:
    none = MINIMAL_CASE.split("[[outcomes]]")[0] + "outcomes = []\n"
    assert problems(tmp_path, none) == ["outcomes: expected at least 1 item, got 0"]
    four = MINIMAL_CASE + '[[outcomes]]\nfigure = "1"\nlabel = "a"\n' * 3
    assert problems(tmp_path, four) == ["outcomes: expected at most 3 items, got 4"]


def test_day_rules(tmp_path: Path) -> None:
    assert problems(tmp_path, with_day("0")) == ["day: must be at least 1"]
    assert problems(tmp_path, with_day("23")) == ["day: must be between 1 and 22"]
    assert problems(tmp_path, with_day('"3"')) == ["day: expected a whole number, got str '3'"]
    # A key after [[outcomes]] belongs to the outcome: the message says so.
    assert problems(tmp_path, MINIMAL_CASE + "day = 3\n") == [
        "outcomes[0].day: unknown key (allowed: figure, label)"
    ]


def test_optional_fields(tmp_path: Path) -> None:
    text = MINIMAL_CASE.replace(
        "[[outcomes]]",
        'summary = "One sentence."\nmodel = "Outcomes-based contract"\npartners = ["A", "B"]\n'
        'url = "https://example.gov.uk/x"\n\n[[outcomes]]',
    )
    assert problems(tmp_path, text) == []
    bad_url = MINIMAL_CASE.replace("[[outcomes]]", 'url = "not a link"\n[[outcomes]]')
    assert problems(tmp_path, bad_url)[0].startswith("url: 'not a link' is not valid here")
    bad_partners = MINIMAL_CASE.replace("[[outcomes]]", 'partners = "A"\n[[outcomes]]')
    assert problems(tmp_path, bad_partners)[0].startswith("partners: expected a list")


def test_strings_are_trimmed_and_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    # TOML escapes: a decomposed accent, a tab and a bell character pasted from Word.
    path.write_text(
        MINIMAL_CASE.replace("A short title", "  Cafe\\u0301  and\\tcare\\u0007  "),
        encoding="utf-8",
    )
    case = load_case(path, CAMPAIGN, PROJECT).case
    assert case.title == "Caf\u00e9 and care"  # NFC, control characters gone, whitespace collapsed


def test_slug_from_file_name(tmp_path: Path) -> None:
    assert problems(tmp_path, MINIMAL_CASE, name="Bad Name.toml")[0].startswith(
        ': file name "Bad Name.toml"'
    )
    assert problems(tmp_path, MINIMAL_CASE, name="launch.toml")[0].endswith("'launch' is reserved")
    assert problems(tmp_path, MINIMAL_CASE, name="-x.toml")
    assert problems(tmp_path, MINIMAL_CASE, name=("a" * 65) + ".toml")


def test_invalid_toml_gives_line_and_column(tmp_path: Path) -> None:
    found = problems(tmp_path, 'title = "x"\norganisation = \n')
    assert len(found) == 1 and "invalid TOML" in found[0] and "line 2" in found[0]


def test_not_utf8(tmp_path: Path) -> None:
    found = problems(tmp_path, MINIMAL_CASE.encode().replace(b"short", b"caf\xe9"))
    assert found == [": not UTF-8 text (byte 0xe9 on line 1); save it as UTF-8"]


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    text = "\ufeff" + MINIMAL_CASE.replace("\n", "\r\n")
    assert problems(tmp_path, text) == []


def test_missing_glyph_names_character_and_code_point(tmp_path: Path) -> None:
    found = problems(
        tmp_path, MINIMAL_CASE.replace("A short title", "Great news \U0001f389 \u2192 more")
    )
    assert found == [
        "title: the bundled font cannot draw '\U0001f389' (U+1F389), '\u2192' (U+2192); "
        "remove or replace it"
    ]


def test_lookalikes_are_mapped(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        MINIMAL_CASE.replace("A short title", "Non\u2011stop 10\u202f000 care"), encoding="utf-8"
    )
    assert load_case(path, CAMPAIGN, PROJECT).case.title == "Non-stop 10\u00a0000 care"


def test_day_clash_fails_both_cases(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(with_day("4"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(with_day("4"), encoding="utf-8")
    (tmp_path / "c.toml").write_text(with_day("5"), encoding="utf-8")
    good, found = load_cases(in_folder(tmp_path), CAMPAIGN)
    assert [c.slug for c in good] == ["c"]
    assert [f"{Path(p.where).name}: {p.field}: {p.message}" for p in found] == [
        f"a.toml: day: day 4 is also taken by {tmp_path / 'b.toml'}",
        f"b.toml: day: day 4 is also taken by {tmp_path / 'a.toml'}",
    ]


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, 'title = ""\norganisation = 5\nservice = "x"\nextra = 1\n')
    fields = [p.split(":")[0] for p in found]
    assert fields == ["title", "organisation", "outcomes", "extra"]


def test_shipped_campaign_is_valid() -> None:
    good, found = load_cases(PROJECT, CAMPAIGN)
    assert found == []
    assert sorted(c.case.day for c in good) == list(range(1, 23))
    assert {c.case.service for c in good} == set(CAMPAIGN.services)
