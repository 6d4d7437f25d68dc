"""`cardgen import`: case studies from a spreadsheet (XLSX or CSV), and the workbook export
that goes back to it. Workbooks are made with openpyxl in the tests: no binary fixtures."""

from __future__ import annotations

import datetime as dt
import io
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cardgen.cli import CardgenGroup
from cardgen.errors import CardgenError
from cardgen.project import Project
from cardgen.sheets import (
    COLUMNS,
    EXPORT_COLUMNS,
    Unsupported,
    edit_case,
    export_workbook,
    import_sheet,
    render_number,
    slugify,
)

from .conftest import run

SLUG = "help-to-live-at-home-wiltshire"  # day 2 in the shipped campaign
NEW = {
    "slug": "care-leavers-anytown",
    "title": "Anytown’s care leavers get a key worker until they are 25",
    "organisation": "Anytown Council",
    "service": "youth-services",
    "summary": "Every care leaver has one named worker.",
    "figure 1": "3 in 4",
    "label 1": "care leavers in work or training",
}


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """`cardgen import` as the engineer registers it (lazily, in cli.py)."""
    monkeypatch.setitem(
        CardgenGroup.lazy, "import", ("cardgen.sheets", "import_cmd", "Case studies from a…")
    )


def project(cases: Path) -> Project:
    return Project.open(cases=cases)


def workbook(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> Path:
    """A workbook with a header row and a row per dict; a value may be (value, number
    format); text is always text (never a formula)."""
    columns = columns or tuple(dict.fromkeys(k for r in rows for k in r))
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(list(columns))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(columns, start=1):
            value = row.get(name)
            fmt = None
            if isinstance(value, tuple):
                value, fmt = value
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if fmt:
                cell.number_format = fmt
    book.save(path)
    return path


def exported(cases: Path, path: Path) -> Path:
    path.write_bytes(export_workbook(project(cases)))
    return path


def texts(cases: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(cases.glob("*.toml"))}


def import_(runner, cases: Path, sheet: Path, *args: str):
    return run(runner, "import", "--cases", cases, sheet, *args)


# --- round trip ------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(runner, cases_dir: Path, tmp_path: Path) -> None:
    before = texts(cases_dir)
    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["unchanged: 22"]
    assert texts(cases_dir) == before


def test_the_exported_layout(cases_dir: Path, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(exported(cases_dir, tmp_path / "cases.xlsx")).active
    header = [c.value for c in ws[1]]
    assert tuple(header) == EXPORT_COLUMNS
    assert [h for h in header if h not in ("date", "problems")] == list(COLUMNS)
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert [r["day"] for r in rows] == list(range(1, 23))  # schedule order
    assert rows[0]["date"] == dt.datetime(2015, 8, 25)
    durham = next(r for r in rows if r["slug"] == "checkpoint-durham")
    assert durham["partners"].startswith("Durham Constabulary; Durham County Council; ")
    assert (durham["figure 2"], durham["label 2"]) == ("1,100", "offenders offered a contract")
    assert ws["K2"].data_type == "s"  # figures are text, not numbers
    assert not any(r["problems"] for r in rows)
    kent = next(r for r in rows if r["slug"] == "live-well-kent")
    assert (kent["photo"], kent["photo credit"]) == ("mountain-lake.jpg", "Jacob W. Frank, NPS")
    assert kent["photo alt"].startswith("A calm lake reflects")


def test_the_export_shows_each_cases_problems(cases_dir: Path, tmp_path: Path) -> None:
    path = cases_dir / f"{SLUG}.toml"
    path.write_text(path.read_text().replace('service = "adult-social-care"', 'service = "x"'))
    ws = openpyxl.load_workbook(exported(cases_dir, tmp_path / "cases.xlsx")).active
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == SLUG)
    assert 'service: unknown service "x"' in row[EXPORT_COLUMNS.index("problems")]


def test_one_edited_cell_changes_one_case_and_keeps_its_comments(
    runner, cases_dir: Path, tmp_path: Path
) -> None:
    path = cases_dir / f"{SLUG}.toml"
    original = path.read_text(encoding="utf-8")
    commented = "# Cleared by the press office, 20 August.\n" + original.replace(
        'organisation = "Wiltshire Council"',
        'organisation = "Wiltshire Council"   # as on gov.uk',
    ).replace("\n[[outcomes]]\n", "\n# From the 2014 evaluation\n[[outcomes]]\n", 1)
    path.write_text(commented, encoding="utf-8")
    before = texts(cases_dir)
    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    column = EXPORT_COLUMNS.index("summary") + 1
    row = next(r for r in range(2, 24) if ws.cell(row=r, column=1).value == SLUG)
    ws.cell(row=row, column=column).value = "Providers are paid for independence regained."
    book.save(sheet)

    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"changed {SLUG} (summary)", "unchanged: 21"]
    after = texts(cases_dir)
    assert {n for n in after if after[n] != before[n]} == {f"{SLUG}.toml"}
    text = path.read_text(encoding="utf-8")
    old_summary = next(line for line in commented.splitlines() if line.startswith("summary ="))
    assert text == commented.replace(
        old_summary, 'summary = "Providers are paid for independence regained."'
    )
    assert "# as on gov.uk" in text and "# From the 2014 evaluation" in text


def test_changes_are_listed_by_column(runner, cases_dir: Path, tmp_path: Path) -> None:
    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    row = next(r for r in range(2, 24) if ws.cell(row=r, column=1).value == SLUG)
    col = {name: i + 1 for i, name in enumerate(EXPORT_COLUMNS)}
    ws.cell(row=row, column=col["figure 2"]).value = "£3m"
    ws.cell(row=row, column=col["model"]).value = None  # an empty cell removes the field
    ws.cell(row=row, column=col["post linkedin"]).value = "Our own LinkedIn post."
    book.save(sheet)
    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 0, result.output
    assert f"changed {SLUG} (model, figure 2, post linkedin)" in result.stdout
    data = tomllib.loads((cases_dir / f"{SLUG}.toml").read_text(encoding="utf-8"))
    assert "model" not in data
    assert data["outcomes"][1]["figure"] == "£3m"
    assert data["posts"] == {"linkedin": "Our own LinkedIn post."}
    # ... and the file still matches the sheet.
    assert import_(runner, cases_dir, sheet).stdout.splitlines() == ["unchanged: 22"]


def test_a_new_row_adds_a_case(runner, cases_dir: Path, tmp_path: Path) -> None:
    sheet = workbook(tmp_path / "new.xlsx", [{**NEW, "partners": "A Trust;  B Charity ;"}])
    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "added care-leavers-anytown"
    assert "missing from the sheet: be-active-birmingham, " in result.stdout
    assert "(kept; --delete removes)" in result.stdout
    text = (cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["partners"] == ["A Trust", "B Charity"]
    assert data["outcomes"] == [{"figure": "3 in 4", "label": "care leavers in work or training"}]
    assert text.index("title =") < text.index("[[outcomes]]")
    assert len(list(cases_dir.glob("*.toml"))) == 22 + 1 + 2  # cases, new, campaign, approvals


def test_a_sheet_without_slugs(runner, cases_dir: Path, tmp_path: Path) -> None:
    shipped = tomllib.loads((cases_dir / f"{SLUG}.toml").read_text(encoding="utf-8"))
    rows = [
        {k: v for k, v in NEW.items() if k != "slug"},
        {
            "title": shipped["title"],
            "organisation": shipped["organisation"],
            "service": shipped["service"],
            "summary": "Changed through its title.",
            **{f"{k} 1": v for k, v in shipped["outcomes"][0].items()},
        },
    ]
    result = import_(runner, cases_dir, workbook(tmp_path / "x.xlsx", rows))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "added anytowns-care-leavers-get-a-key-worker-until-they" in lines
    assert f"changed {SLUG} (summary)" in lines


@pytest.mark.parametrize(
    ("title", "taken", "slug"),
    [
        ("Checkpoint: a contract", set(), "checkpoint-a-contract"),
        ("Café × 2 — Ünïcode", set(), "cafe-2-unicode"),
        ("Anytown's and Barset’s", set(), "anytowns-and-barsets"),
        ("Launch", set(), "launch-case"),
        ("!!!", set(), "case"),
        ("Same title", {"same-title"}, "same-title-2"),
        ("A " * 60, set(), "a-" * 24 + "a"),
    ],
)
def test_slugs_made_from_titles(title: str, taken: set[str], slug: str) -> None:
    made = slugify(title, taken)
    assert made == slug
    assert len(made) <= 64


# --- number formats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (0.35, "0%", "35%"),
        (0.355, "0.0%", "35.5%"),
        (0.1234, "0.00%", "12.34%"),
        (1400, "#,##0", "1,400"),
        (1400.5, "#,##0.00", "1,400.50"),
        (380000, "#,##0", "380,000"),
        (1400, '"£"#,##0', "£1,400"),
        (2.6, '"£"#,##0.00', "£2.60"),
        (1500000, "[$£-809]#,##0.00", "£1,500,000.00"),
        (42000, "[$€-1809]#,##0", "€42,000"),
        (5, "$#,##0.00", "$5.00"),
        (-5, '"£"#,##0', "-£5"),
        (-3, '"$"#,##0.00_);("$"#,##0.00)', "($3.00)"),
        (-3, '"$"#,##0.00_);[Red]("$"#,##0.00)', "($3.00)"),
        (1.5, '"£"0.0"m"', "£1.5m"),
        (12, "General", "12"),
        (0.35, "General", "0.35"),
        (1400.0, "General", "1400"),
        (0.1 + 0.2, "General", "0.3"),
        (1400.0, "0", "1400"),
        (2.5, "0", "3"),  # Excel rounds half away from zero
        (0.5, "#.00", ".50"),
        (3, "@", "3"),
    ],
)
def test_number_formats(value: float, fmt: str, shown: str) -> None:
    assert render_number(value, fmt) == shown


@pytest.mark.parametrize("fmt", ["0.00E+00", "# ?/?", "#,##0,", "[>=100]0;0.0", "mm-dd-yy"])
def test_unsupported_number_formats(fmt: str) -> None:
    with pytest.raises(Unsupported):
        render_number(1400, fmt)


def test_figures_read_as_the_cells_show_them(runner, cases_dir: Path, tmp_path: Path) -> None:
    row = {
        **NEW,
        "figure 1": (0.35, "0%"),
        "label 1": "fewer admissions",
        "figure 2": (1400, "#,##0"),
        "label 2": "people helped",
        "figure 3": (95000, '"£"#,##0'),
        "label 3": "saved",
    }
    other = {
        **NEW,
        "slug": "second-case",
        "figure 1": (2.6, "[$£-809]#,##0.00"),
        "figure 2": "1 in 5",  # text stays as typed
        "label 2": "in work",
        "figure 3": (1400, "0.00E+00"),
        "label 3": "unsupported format",
    }
    result = import_(runner, cases_dir, workbook(tmp_path / "f.xlsx", [row, other]))
    assert result.exit_code == 0, result.output
    first = tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8"))
    assert [o["figure"] for o in first["outcomes"]] == ["35%", "1,400", "£95,000"]
    second = tomllib.loads((cases_dir / "second-case.toml").read_text(encoding="utf-8"))
    assert [o["figure"] for o in second["outcomes"]] == ["£2.60", "1 in 5", "1400"]
    assert (
        'note: f.xlsx: Sheet!J3 (figure 3): number format "0.00E+00" is not one cardgen '
        'renders: read as "1400" (General)' in result.stdout.replace(str(tmp_path) + "/", "")
    )


def test_a_date_in_the_day_column_is_that_campaign_day(cases_dir: Path, tmp_path: Path) -> None:
    rows = [{**NEW, "day": dt.datetime(2015, 9, 15)}]  # the last day, 22
    path = cases_dir / "community-libraries-leicestershire.toml"
    day = tomllib.loads(path.read_text(encoding="utf-8"))["day"]
    assert day == 22
    with pytest.raises(CardgenError) as caught:
        import_sheet(project(cases_dir), workbook(tmp_path / "d.xlsx", rows), shown="d.xlsx")
    assert [str(p) for p in caught.value.problems] == [
        "d.xlsx: Sheet!H2 (day): day 22 is also taken by "
        f"{project(cases_dir).display(path)} (not in the sheet)"
    ]
    rows = [{**NEW, "day": dt.datetime(2015, 10, 1)}]
    with pytest.raises(CardgenError) as caught:
        import_sheet(project(cases_dir), workbook(tmp_path / "d.xlsx", rows), shown="d.xlsx")
    assert str(caught.value) == (
        "d.xlsx: Sheet!H2 (day): 1 October 2015 is not a campaign day (the campaign runs "
        "25 August 2015 to 15 September 2015)"
    )
    path.unlink()
    report = import_sheet(
        project(cases_dir), workbook(tmp_path / "d.xlsx", [{**NEW, "day": dt.date(2015, 9, 15)}])
    )
    assert report.of("added")
    assert tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text())["day"] == 22


def test_a_figure_excel_made_a_date(cases_dir: Path, tmp_path: Path) -> None:
    rows = [{**NEW, "figure 1": (dt.datetime(2026, 4, 3), "d-mmm")}]
    with pytest.raises(CardgenError) as caught:
        import_sheet(project(cases_dir), workbook(tmp_path / "d.xlsx", rows), shown="d.xlsx")
    assert str(caught.value) == (
        "d.xlsx: Sheet!F2 (figure 1): Excel made this a date (3 April 2026): format the cell "
        "as Text and type it again"
    )


# --- problems, named by cell -----------------------------------------------------------------


def problems(cases: Path, path: Path, **kw: Any) -> list[str]:
    with pytest.raises(CardgenError) as caught:
        import_sheet(project(cases), path, shown=path.name, **kw)
    return [str(p) for p in caught.value.problems]


def test_every_problem_names_its_cell_and_nothing_is_written(
    runner, cases_dir: Path, tmp_path: Path
) -> None:
    before = texts(cases_dir)
    rows = [
        {**NEW, "service": "care leavers"},
        {**NEW, "slug": "b", "figure 1": "far too long a figure", "url": "not a link"},
        {**NEW, "slug": "c", "figure 2": "12%"},  # a figure without its label
        {**NEW, "slug": "d", "title": None},
        {**NEW, "slug": "Bad Slug"},
    ]
    sheet = workbook(tmp_path / "cases.xlsx", rows, (*NEW, "url", "figure 2"))
    result = run(runner, "import", "--cases", cases_dir, sheet)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [line.replace(str(tmp_path) + "/", "") for line in result.stderr.splitlines()]
    known = "public-health, youth-services, adult-social-care, reoffending"
    assert lines[0].startswith(
        f'cases.xlsx: Sheet!D2 (service): unknown service "care leavers" (known: {known}, '
    )
    assert lines[1:] == [
        "cases.xlsx: Sheet!F3 (figure 1): too long (21 characters; at most 12)",
        "cases.xlsx: Sheet!H3 (url): 'not a link' is not valid here (expected to match "
        '^https?://[^\\s<>\\"]+$)',
        'cases.xlsx: Sheet row 4 (label 2): required, but missing (the sheet has no "label 2" '
        "column)",
        "cases.xlsx: Sheet!B5 (title): required, but missing",
        'cases.xlsx: Sheet!A6 (slug): "Bad Slug" is not a valid slug: lower-case letters, '
        "digits and hyphens (at most 64), not starting with a hyphen",
    ]
    assert texts(cases_dir) == before


def test_the_service_is_checked_along_with_the_rest(cases_dir: Path, tmp_path: Path) -> None:
    rows = [{**NEW, "service": "nope", "title": None}]
    found = problems(cases_dir, workbook(tmp_path / "s.xlsx", rows))
    assert [f.split(": ")[1] for f in found] == ["Sheet!B2 (title)", "Sheet!D2 (service)"]


def test_the_older_tweet_key_is_kept(runner, cases_dir: Path, tmp_path: Path) -> None:
    path = cases_dir / f"{SLUG}.toml"
    text = path.read_text(encoding="utf-8").replace("day = 2\n", 'day = 2\ntweet = "Old X"\n')
    assert "tweet" in text
    path.write_text(text, encoding="utf-8")
    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    assert import_(runner, cases_dir, sheet).stdout.splitlines() == ["unchanged: 22"]
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    row = next(r for r in range(2, 24) if ws.cell(row=r, column=1).value == SLUG)
    assert ws.cell(row=row, column=EXPORT_COLUMNS.index("post x") + 1).value == "Old X"
    ws.cell(row=row, column=EXPORT_COLUMNS.index("post x") + 1).value = "New X"
    book.save(sheet)
    result = import_(runner, cases_dir, sheet)
    assert f"changed {SLUG} (post x)" in result.stdout
    assert path.read_text(encoding="utf-8") == text.replace('"Old X"', '"New X"')


def test_unknown_and_duplicate_columns(cases_dir: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Slug", "TITLE", "Servise", "Figure1", "figure 1", "colour"])
    book.active.append(["x", "A title", "reoffending", "1", "2", "red"])
    book.save(tmp_path / "h.xlsx")
    found = problems(cases_dir, tmp_path / "h.xlsx")
    assert found[0].startswith(
        'h.xlsx: Sheet!C1: unknown column "Servise"; did you mean "service"? (allowed: slug, '
        "title, organisation, service, summary, model, partners, url, day, figure 1, label 1, "
    )
    assert found[1] == 'h.xlsx: Sheet!E1: the column "figure 1" again (first in column D)'
    assert found[2].startswith('h.xlsx: Sheet!F1: unknown column "colour" (allowed: ')
    assert len(found) == 3


def test_an_empty_sheet(cases_dir: Path, tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    assert problems(cases_dir, tmp_path / "empty.xlsx") == [
        "empty.xlsx: Sheet: the sheet is empty: its first row names the columns (slug, title, "
        "organisation, service, …) and each row below is a case study"
    ]
    workbook(tmp_path / "header.xlsx", [], ("slug", "title"))
    assert problems(cases_dir, tmp_path / "header.xlsx") == [
        "header.xlsx: Sheet!A2: no case studies below the header row: nothing to import"
    ]


def test_duplicate_slugs_and_days(cases_dir: Path, tmp_path: Path) -> None:
    rows = [
        {**NEW, "day": 3},
        {**NEW, "slug": "other", "day": 3},
        {**NEW, "day": 5},
    ]
    found = problems(cases_dir, workbook(tmp_path / "dup.xlsx", rows))
    assert found[0] == (
        'dup.xlsx: Sheet!A2 (slug): the slug "care-leavers-anytown" is also on row 4: each case '
        "once"
    )
    assert found[2] == (
        'dup.xlsx: Sheet!A4 (slug): the slug "care-leavers-anytown" is also on row 2: each case '
        "once"
    )
    assert found[1] == (
        "dup.xlsx: Sheet!H3 (day): day 3 is also taken by "
        f"{project(cases_dir).display(cases_dir / 'living-well-collaborative-lambeth.toml')} "
        "(not in the sheet)"
    )


def test_duplicate_days_within_the_sheet(cases_dir: Path, tmp_path: Path) -> None:
    rows = [{**NEW, "day": 22}, {**NEW, "slug": "other", "day": 22}]
    (cases_dir / "community-libraries-leicestershire.toml").unlink()  # frees day 22
    found = problems(cases_dir, workbook(tmp_path / "dup.xlsx", rows))
    assert found == [
        "dup.xlsx: Sheet!H2 (day): day 22 is also taken by row 3",
        "dup.xlsx: Sheet!H3 (day): day 22 is also taken by row 2",
    ]


def test_merged_cells(cases_dir: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "m.xlsx", [NEW, {**NEW, "slug": "second"}])
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("D2:D3")
    book.save(path)
    assert problems(cases_dir, path) == [
        "m.xlsx: Sheet!D2:D3: merged cells: unmerge them (Home › Merge & Center) and give each "
        "row its own value"
    ]


def test_a_formula_without_a_cached_value(cases_dir: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "f.xlsx", [NEW])
    book = openpyxl.load_workbook(path)
    book.active["F2"] = "=0.35*100"  # openpyxl writes the formula, never its value
    book.save(path)
    book.active["D2"] = "nope"  # every problem is reported in the same run
    book.save(path)
    assert problems(cases_dir, path) == [
        "f.xlsx: Sheet!F2 (figure 1): the formula =0.35*100 has no saved value (the file was not "
        "saved by Excel after it was calculated): open it in Excel and save it, or type the "
        "value",
        'f.xlsx: Sheet!D2 (service): unknown service "nope" (known: public-health, youth-services, '
        "adult-social-care, reoffending, domestic-violence, community-assets, "
        "early-intervention, employment, mental-health)",
    ]


def test_a_formula_with_a_cached_value_is_read(cases_dir: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "f.xlsx", [NEW])
    # Excel saves a formula with its value: <c><f>…</f><v>…</v></c>. Put the value in.
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode()
    start = xml.index('<c r="F2"')
    end = xml.index("</c>", start) + len("</c>")
    parts[name] = (
        xml[:start] + '<c r="F2" t="str"><f>CONCAT("3 in ",4)</f><v>3 in 4</v></c>' + xml[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    report = import_sheet(project(cases_dir), path)
    assert report.of("added")
    data = tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8"))
    assert data["outcomes"][0]["figure"] == "3 in 4"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really a zip", "cannot be read as an Excel workbook (damaged?): "),
        (b"hello", "not an Excel workbook (.xlsx): the file is damaged or of another kind"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
            "the workbook is password-protected (encrypted): save a copy without a password",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97–2003 workbook: save it as .xlsx"),
    ],
)
def test_a_damaged_or_protected_workbook(
    cases_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    found = problems(cases_dir, path)
    assert len(found) == 1 and found[0].startswith(f"bad.xlsx: {message}")


def test_a_sheet_over_the_size_limit(cases_dir: Path, tmp_path: Path) -> None:
    rows = [{**NEW, "slug": f"case-{i}"} for i in range(1001)]
    assert problems(cases_dir, workbook(tmp_path / "big.xlsx", rows)) == [
        "big.xlsx: Sheet: 1,001 rows below the header; at most 1,000 case studies in one sheet"
    ]
    book = openpyxl.Workbook()
    book.active.append([f"c{i}" for i in range(31)])
    book.save(tmp_path / "wide.xlsx")
    assert problems(cases_dir, tmp_path / "wide.xlsx") == [
        "wide.xlsx: Sheet!AE1: 31 columns; at most 30"
    ]


def test_choosing_a_sheet(cases_dir: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "s.xlsx", [NEW])
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes", 0)
    book.save(path)
    assert problems(cases_dir, path) == [
        "s.xlsx: Notes: the sheet is empty: its first row names the columns (slug, title, "
        "organisation, service, …) and each row below is a case study"
    ]
    report = import_sheet(project(cases_dir), path, sheet="sheet", dry_run=True)
    assert [c.slug for c in report.of("added")] == ["care-leavers-anytown"]
    assert problems(cases_dir, path, sheet="Cases") == [
        's.xlsx: no sheet "Cases" (the sheets: "Notes", "Sheet")'
    ]


# --- CSV -------------------------------------------------------------------------------------


def csv_text(rows: list[dict[str, str]], sep: str = ",") -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=sep, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("encoding", "sep", "note"),
    [
        ("utf-8", ",", False),
        ("utf-8-sig", ",", False),
        ("cp1252", ",", True),
        ("utf-8", ";", False),
    ],
)
def test_csv_files(
    runner, cases_dir: Path, tmp_path: Path, encoding: str, sep: str, note: bool
) -> None:
    row = {**NEW, "figure 1": "£1.5m", "label 1": "saved – each year", "partners": "A; B"}
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_text([row], sep).encode(encoding))
    result = import_(runner, cases_dir, path)
    assert result.exit_code == 0, result.output
    assert "added care-leavers-anytown" in result.stdout
    data = tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8"))
    assert data["title"] == NEW["title"]  # the apostrophe ’ came through
    assert data["outcomes"] == [{"figure": "£1.5m", "label": "saved – each year"}]
    assert data["partners"] == ["A", "B"]
    assert ("not UTF-8: read as Windows-1252" in result.stdout) is note


def test_csv_problems_name_the_cell(cases_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(csv_text([{**NEW, "service": "nope"}]), encoding="utf-8")
    found = problems(cases_dir, path)
    assert found[0].startswith('cases.csv: D2 (service): unknown service "nope" (known: ')


def test_text_that_looks_like_a_formula_stays_text(runner, cases_dir: Path, tmp_path: Path) -> None:
    post = '=HYPERLINK("http://evil") and +44 20 7946 0000'
    path = tmp_path / "cases.csv"
    path.write_text(
        csv_text([{**NEW, "label 1": "-20% waiting times", "post x": post}]), encoding="utf-8"
    )
    assert import_(runner, cases_dir, path).exit_code == 0
    data = tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8"))
    assert data["posts"] == {"x": post}
    assert data["outcomes"][0]["label"] == "-20% waiting times"

    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    with zipfile.ZipFile(sheet) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula anywhere
    ws = openpyxl.load_workbook(sheet).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == post]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].quotePrefix
    # ... and it comes back as it went.
    assert import_(runner, cases_dir, sheet).stdout.splitlines() == ["unchanged: 23"]


def test_a_csv_written_safe_by_cardgen_export_reads_back(cases_dir: Path, tmp_path: Path) -> None:
    from cardgen.export import safe_cell

    path = tmp_path / "cases.csv"
    path.write_text(csv_text([{**NEW, "post x": safe_cell("=1+1 is two")}]), encoding="utf-8")
    import_sheet(project(cases_dir), path)
    data = tomllib.loads((cases_dir / "care-leavers-anytown.toml").read_text(encoding="utf-8"))
    assert data["posts"] == {"x": "=1+1 is two"}


def test_a_csv_in_no_known_encoding(cases_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(b"slug,title\nx,\x81\x8d\n")
    assert problems(cases_dir, path) == [
        "cases.csv: not UTF-8 text (byte 0x81 on line 2) nor Windows-1252: save it as CSV UTF-8"
    ]


# --- --partial, --delete ---------------------------------------------------------------------


def test_partial_writes_the_good_rows(runner, cases_dir: Path, tmp_path: Path) -> None:
    rows = [NEW, {**NEW, "slug": "bad-one", "service": "nope"}]
    sheet = workbook(tmp_path / "p.xlsx", rows)
    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 1
    assert not (cases_dir / "care-leavers-anytown.toml").exists()
    result = import_(runner, cases_dir, sheet, "--partial")
    assert result.exit_code == 1
    assert "added care-leavers-anytown" in result.stdout
    assert (cases_dir / "care-leavers-anytown.toml").exists()
    assert not (cases_dir / "bad-one.toml").exists()
    assert 'Sheet!D3 (service): unknown service "nope"' in result.stderr
    assert "left out: row 3" in result.stderr


def test_missing_cases_are_kept_unless_delete(runner, cases_dir: Path, tmp_path: Path) -> None:
    sheet = exported(cases_dir, tmp_path / "cases.xlsx")
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    row = next(r for r in range(2, 24) if ws.cell(row=r, column=1).value == SLUG)
    ws.delete_rows(row)
    book.save(sheet)
    result = import_(runner, cases_dir, sheet)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "unchanged: 21",
        f"missing from the sheet: {SLUG} (kept; --delete removes)",
    ]
    assert (cases_dir / f"{SLUG}.toml").exists()
    assert f"[{SLUG}]" in (cases_dir / "approvals.toml").read_text(encoding="utf-8")
    result = import_(runner, cases_dir, sheet, "--delete")
    assert result.stdout.splitlines() == [
        f"deleted {SLUG}",
        "unchanged: 21",
        f"note: approvals removed: {SLUG}",
    ]
    assert not (cases_dir / f"{SLUG}.toml").exists()
    # The deleted case's approval went with it; the others stay.
    approvals = (cases_dir / "approvals.toml").read_text(encoding="utf-8")
    assert f"[{SLUG}]" not in approvals and "[living-well-collaborative-lambeth]" in approvals
    assert (cases_dir / "campaign.toml").exists()


def test_dry_run_writes_nothing(runner, cases_dir: Path, tmp_path: Path) -> None:
    before = texts(cases_dir)
    result = import_(runner, cases_dir, workbook(tmp_path / "n.xlsx", [NEW]), "--dry-run")
    assert result.exit_code == 0
    assert "added care-leavers-anytown" in result.stdout and "dry run" in result.stdout
    assert texts(cases_dir) == before


# --- editing a case file in place ------------------------------------------------------------

FILE = """\
# A comment at the top
title = "T"   # the title
organisation = "O"
service = "s"
day = 3

# The posts
[posts]
x = "X post"

# 1 to 3
[[outcomes]]
figure = "1"  # a figure
label = "one"

[[outcomes]]
figure = "2"
label = "two"
"""


def edited(new: dict[str, Any], text: str = FILE) -> str:
    result = edit_case(text, tomllib.loads(text), new)
    assert result is not None
    assert tomllib.loads(result) == new
    return result


def test_edit_replaces_a_line_and_keeps_its_comment() -> None:
    new = tomllib.loads(FILE)
    new["title"] = 'A "new" title'
    assert edited(new) == FILE.replace('"T"', '"A \\"new\\" title"')


def test_edit_adds_keys_in_order_and_removes_others() -> None:
    new = tomllib.loads(FILE)
    new |= {"summary": "S", "url": "https://x.org", "partners": ["A", "B"]}
    del new["day"]
    text = edited(new)
    assert text.startswith(
        '# A comment at the top\ntitle = "T"   # the title\norganisation = "O"\nservice = "s"\n'
        'summary = "S"\npartners = ["A", "B"]\nurl = "https://x.org"\n\n# The posts\n'
    )


def test_edit_outcomes_and_posts_tables() -> None:
    new = tomllib.loads(FILE)
    new["outcomes"] = [{"figure": "1", "label": "ONE"}]
    new["posts"] = {"x": "X post", "linkedin": "L"}
    text = edited(new)
    assert 'figure = "1"  # a figure\nlabel = "ONE"\n' in text
    assert 'label = "two"' not in text and text.count("[[outcomes]]") == 1
    assert '[posts]\nx = "X post"\nlinkedin = "L"\n' in text
    new["outcomes"].append({"figure": "3", "label": "three"})
    del new["posts"]
    text = edited(new, text)
    assert "[posts]" not in text and 'x = "X post"' not in text
    assert text.endswith('[[outcomes]]\nfigure = "3"\nlabel = "three"\n')


def test_edit_adds_a_posts_table_before_the_outcomes() -> None:
    text = FILE.replace('# The posts\n[posts]\nx = "X post"\n\n', "")
    new = tomllib.loads(text)
    new["posts"] = {"bluesky": "B"}
    result = edited(new, text)
    assert '[posts]\nbluesky = "B"\n\n# 1 to 3\n[[outcomes]]' in result


def test_edit_keeps_windows_line_ends_and_multiline_values() -> None:
    text = FILE.replace('organisation = "O"', 'organisation = """O\nand more"""').replace(
        "\n", "\r\n"
    )
    new = tomllib.loads(text)
    new["service"] = "t"
    result = edited(new, text)
    assert result == text.replace('service = "s"', 'service = "t"')
    new["organisation"] = "Other"
    assert 'organisation = "Other"\r\nservice' in edited(new, text)


def test_edit_gives_up_on_layouts_it_does_not_know() -> None:
    text = 'title = "T"\nposts.x = "a"\nposts.bluesky = "b"\n'
    new = tomllib.loads(text)
    new["posts"]["x"] = "changed"
    assert edit_case(text, tomllib.loads(text), new) is None
