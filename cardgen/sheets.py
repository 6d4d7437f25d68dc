"""Case studies from a spreadsheet, and back: `cardgen import` and the workbook export.

Comms teams keep their case studies in Excel (or a CSV saved from Excel, SharePoint or Google
Sheets). ``cardgen import FILE.xlsx|FILE.csv`` writes one case file per row into the cases
folder; :func:`export_workbook` writes the cases in the same layout, so a team can edit them
in Excel and import them again.

The sheet
---------

The first row names the columns; each row below it is one case study. Headers are matched
without regard to case or spaces (``Figure 1``, ``figure1`` and ``FIGURE 1`` are the same);
any order; a column left out leaves that field of an existing case alone.

=================== ============================================================================
column              case file
=================== ============================================================================
``slug``            the file name (``cases/<slug>.toml``): lower-case letters, digits, hyphens.
                    Without a slug column (or with an empty cell) the case whose title is the
                    same keeps its slug, and a new case gets one made from its title.
``title``           ``title`` (required)
``organisation``    ``organisation`` (required)
``service``         ``service`` (required): a key of ``[services]`` in campaign.toml
``summary``         ``summary``
``model``           ``model``
``partners``        ``partners``, separated by ";": ``Durham Constabulary; Durham County Council``
``url``             ``url``
``day``             ``day``: a number from 1, or a date (the campaign day of that date)
``figure 1``        ``[[outcomes]]`` 1: its ``figure`` (``label 1`` its label); at least one
``label 1``
``figure 2``, …     outcomes 2 and 3
``label 3``
``alt``             ``alt``: the card's own alt text
``post x``          ``[posts]``: the case's own post on that platform; also ``post bluesky``,
                    ``post mastodon``, ``post linkedin``, ``post threads``, ``post instagram``,
                    ``post facebook``
``date``            written by the export (the day's date); ignored on import
``problems``        written by the export (what is wrong with the case); ignored on import
=================== ============================================================================

An empty cell removes that field from the case (an optional one: a required one is an error).
Figures are read as the cell shows them: 0.35 formatted as a percentage is "35%", 1400 with a
thousands separator "1,400", a currency format keeps its "£"; text is read as typed. Number
formats cardgen does not render (scientific, fractions, scaled) are read as Excel's General
format would show the number, with a note: type such a figure as text.

Nothing is written unless every row is valid (``--partial`` writes the valid rows and reports
the others). Every problem names its cell: ``cases.xlsx: Sheet1!C7 (service): unknown service
"care leavers" (known: …)``. An existing case file is edited in place, key by key: its comments
and any field the sheet has no column for are kept. A case file with no row in the sheet is
kept (and reported) unless ``--delete`` is given.

Limits: at most 1,000 case rows and 30 columns; a file of at most 10 MB. Workbooks (.xlsx,
.xlsm) are read with openpyxl, from the cached values of formulas (a formula Excel never
calculated is an error naming its cell); merged cells, encrypted workbooks and old .xls files
are errors. CSV files are read as UTF-8 (with or without a byte-order mark), or as
Windows-1252 (old Excel) with a note; comma, semicolon or tab separated.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import difflib
import io
import json
import re
import tomllib
import unicodedata
import warnings
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import project_options
from .errors import CardgenError, Problem
from .model import LAUNCH, SLUG, SUMMARY, Case, case_paths, load, open_campaign
from .platforms import PLATFORMS
from .schedule import order
from .text import clean_text

if TYPE_CHECKING:
    from .model import Campaign
    from .project import Project

MAX_ROWS = 1000  # case rows below the header
MAX_COLUMNS = 30
MAX_BYTES = 10 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEXT_COLUMNS = ("title", "organisation", "service", "summary", "model", "url")
OUTCOME_COLUMNS = tuple(f"{part} {n}" for n in (1, 2, 3) for part in ("figure", "label"))
POST_COLUMNS = tuple(f"post {p}" for p in PLATFORMS)
# The case's photo: its file in assets/, what it shows, its credit (its focus stays in the file).
PHOTO_COLUMNS = {"photo": "photo", "photo alt": "photo_alt", "photo credit": "photo_credit"}
COLUMNS = (
    "slug",
    *TEXT_COLUMNS[:5],
    "partners",
    "url",
    "day",
    *OUTCOME_COLUMNS,
    "alt",
    *PHOTO_COLUMNS,
    *POST_COLUMNS,
)
EXPORT_ONLY = ("date", "problems")  # written by the export, ignored on import
EXPORT_COLUMNS = (*COLUMNS[:9], "date", *COLUMNS[9:], "problems")
TOP_ORDER = (
    "title", "organisation", "service", "summary", "model", "partners", "url", "day", "alt",
    "photo", "photo_alt", "photo_credit", "photo_focus", "tweet",
)  # fmt: skip


def _header_key(text: str) -> str:
    return "".join(text.split()).casefold()


_BY_HEADER = {_header_key(c): c for c in (*COLUMNS, *EXPORT_ONLY)}


# --- reading cells ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One cell as read: its value (str, int, float, bool, date, datetime, time or None)."""

    ref: str  # "C7"
    value: Any
    number_format: str = "General"
    error: str | None = None  # why the cell cannot be read (#DIV/0!, a formula never calculated)


@dataclass(kw_only=True)
class Sheet:
    """A sheet's header and rows, as read from a workbook or a CSV file."""

    file: str  # as users see it
    name: str | None  # the worksheet's name; None for a CSV file
    header: list[Cell]
    rows: list[tuple[int, list[Cell]]]  # (row number, cells in header order)
    notes: list[Problem] = field(default_factory=list)

    def where(self, ref: str, column: str | None = None) -> str:
        """``Sheet1!C7 (service)``, or ``C7 (service)`` in a CSV file."""
        place = f"{self.name}!{ref}" if self.name is not None else ref
        return f"{place} ({column})" if column else place

    def problem(self, ref: str, message: str, column: str | None = None, **kw: Any) -> Problem:
        return Problem(file=self.file, field=self.where(ref, column), message=message, **kw)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheet(path: Path, *, sheet: str | None = None, shown: str | None = None) -> Sheet:
    """The header and rows of a workbook's sheet (the first unless named) or of a CSV file."""
    shown = shown or str(path)

    def fail(message: str, where: str = "") -> CardgenError:
        return CardgenError(Problem(file=shown, field=where, message=message))

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(f"too large ({size / 1e6:.1f} MB; at most {MAX_BYTES // 2**20} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found") from None
    except IsADirectoryError:
        raise fail("is a folder, not a spreadsheet") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        if sheet is not None:
            raise fail("--sheet is for workbooks; a CSV file has one sheet")
        return _read_csv(data, shown)
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(data, shown, sheet)
    if suffix == ".xls":
        raise fail("an old Excel 97–2003 workbook (.xls): save it as .xlsx (Excel Workbook)")
    if suffix == ".ods":
        raise fail("an OpenDocument spreadsheet: save it as .xlsx or as CSV (UTF-8)")
    raise fail("not a spreadsheet cardgen reads: use .xlsx or .csv")


def _read_csv(data: bytes, shown: str) -> Sheet:
    notes: list[Problem] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                line = data[: exc.start].count(b"\n") + 1
                raise CardgenError(
                    Problem(
                        file=shown,
                        message=f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}) "
                        "nor Windows-1252: save it as CSV UTF-8",
                    )
                ) from None
            notes.append(
                Problem(
                    file=shown,
                    message="not UTF-8: read as Windows-1252 (old Excel's CSV); check that "
                    "£, € and quotation marks came out right, or save it as CSV UTF-8",
                )
            )
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CardgenError(Problem(file=shown, message=f"not a CSV file: {exc}")) from None
    grid = [
        [Cell(ref=f"{column_letter(c)}{r + 1}", value=v) for c, v in enumerate(record)]
        for r, record in enumerate(records)
    ]
    return _to_sheet(grid, shown, None, notes)


def _open_workbook(data: bytes, shown: str, *, data_only: bool) -> Any:
    import openpyxl

    def fail(message: str) -> CardgenError:
        return CardgenError(Problem(file=shown, message=message))

    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file, not a zip
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise fail(
                "the workbook is password-protected (encrypted): save a copy without a "
                "password (File › Info › Protect Workbook) and import that"
            )
        raise fail("an old Excel 97–2003 workbook: save it as .xlsx (Excel Workbook)")
    if not data.startswith(b"PK"):
        raise fail("not an Excel workbook (.xlsx): the file is damaged or of another kind")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it skips
            return openpyxl.load_workbook(
                io.BytesIO(data), data_only=data_only, keep_links=False, rich_text=False
            )
    except Exception as exc:  # openpyxl fails in many ways on a damaged file
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise fail(f"cannot be read as an Excel workbook (damaged?): {reason}") from None


def _read_workbook(data: bytes, shown: str, wanted: str | None) -> Sheet:
    book = _open_workbook(data, shown, data_only=True)
    names = [ws.title for ws in book.worksheets]
    notes: list[Problem] = []
    if wanted is None:
        if not names:
            raise CardgenError(Problem(file=shown, message="the workbook has no worksheet"))
        name = names[0]
        if len(names) > 1:
            notes.append(
                Problem(
                    file=shown,
                    message=f'{len(names)} sheets: read the first, "{name}" (--sheet NAME reads '
                    "another)",
                )
            )
    else:
        matches = [n for n in names if n == wanted] or [
            n for n in names if _header_key(n) == _header_key(wanted)
        ]
        if not matches:
            known = ", ".join(f'"{n}"' for n in names)
            raise CardgenError(
                Problem(file=shown, message=f'no sheet "{wanted}" (the sheets: {known})')
            )
        name = matches[0]
    ws = book[name]
    problems = [
        Problem(
            file=shown,
            field=f"{name}!{merged.coord}",
            message="merged cells: unmerge them (Home › Merge & Center) and give each row "
            "its own value",
        )
        for merged in sorted(ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col))
    ]
    if problems:
        raise CardgenError(problems)
    last_row, last_col = _extent(ws)
    if last_row > MAX_ROWS + 1:
        raise CardgenError(
            Problem(
                file=shown,
                field=name,
                message=f"{last_row - 1:,} rows below the header; at most {MAX_ROWS:,} case "
                "studies in one sheet",
            )
        )
    if last_col > MAX_COLUMNS:
        raise CardgenError(
            Problem(
                file=shown,
                field=f"{name}!{column_letter(last_col - 1)}1",
                message=f"{last_col} columns; at most {MAX_COLUMNS}",
            )
        )
    grid: list[list[Cell]] = []
    for row in ws.iter_rows(min_row=1, max_row=last_row, max_col=last_col):
        grid.append(
            [
                Cell(
                    ref=c.coordinate,
                    value=c.value,
                    number_format=c.number_format or "General",
                    error=f"the cell shows the error {c.value}: correct it in the spreadsheet"
                    if c.data_type == "e"
                    else None,
                )
                for c in row
            ]
        )
    if any(c.value is None for row in grid for c in row):
        # A formula Excel never calculated has no cached value: look at the formulas.
        formulas = _open_workbook(data, shown, data_only=False)[name]
        grid = [
            [
                dataclasses.replace(
                    c,
                    error=f"the formula {_short(formulas[c.ref].value)} has no saved value (the "
                    "file was not saved by Excel after it was calculated): open it in Excel and "
                    "save it, or type the value",
                )
                if c.value is None and formulas[c.ref].data_type == "f"
                else c
                for c in row
            ]
            for row in grid
        ]
    return _to_sheet(grid, shown, name, notes)


def _short(formula: Any) -> str:
    text = getattr(formula, "text", formula)  # an ArrayFormula keeps its text
    text = str(text)
    return text if len(text) <= 40 else text[:39] + "…"


def _extent(ws: Any) -> tuple[int, int]:
    """The last row and column holding a value (formatting alone does not count)."""
    last_row = last_col = 0
    cells = getattr(ws, "_cells", None)  # iter_rows would create every cell of the range
    found = (
        cells.items()
        if cells is not None
        else (((c.row, c.column), c) for row in ws.iter_rows() for c in row)
    )
    for (r, c), cell in found:
        value = cell.value
        if value is not None and (not isinstance(value, str) or value.strip()):
            last_row, last_col = max(last_row, r), max(last_col, c)
    return last_row, last_col


def _to_sheet(grid: list[list[Cell]], shown: str, name: str | None, notes: list[Problem]) -> Sheet:
    def empty(cell: Cell) -> bool:
        if cell.error:
            return False
        return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())

    while grid and all(empty(c) for c in grid[-1]):
        grid.pop()
    sheet = Sheet(file=shown, name=name, header=[], rows=[], notes=notes)
    if not grid:
        raise CardgenError(
            Problem(
                file=shown,
                field=name or "",
                message="the sheet is empty: its first row names the columns (slug, title, "
                "organisation, service, …) and each row below is a case study",
            )
        )
    if name is None and len(grid) > MAX_ROWS + 1:
        raise CardgenError(
            Problem(
                file=shown,
                message=f"{len(grid) - 1:,} rows below the header; at most {MAX_ROWS:,} case "
                "studies in one file",
            )
        )
    width = max(
        (i + 1 for row in grid for i, c in enumerate(row) if not empty(c)),
        default=0,
    )
    if width > MAX_COLUMNS:
        raise CardgenError(
            sheet.problem(f"{column_letter(width - 1)}1", f"{width} columns; at most {MAX_COLUMNS}")
        )
    header = grid[0][:width]
    header += [Cell(ref=f"{column_letter(i)}1", value=None) for i in range(len(header), width)]
    sheet.header = header
    for r, row in enumerate(grid[1:], start=2):
        cells = row[:width] + [
            Cell(ref=f"{column_letter(i)}{r}", value=None) for i in range(len(row), width)
        ]
        if not all(empty(c) for c in cells):
            sheet.rows.append((r, cells))
    return sheet


# --- how a cell reads ------------------------------------------------------------------------


class Unsupported(Exception):
    """A number format this module does not render."""


def general(value: float) -> str:
    """A number as Excel's General format shows it (up to 11 significant digits)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e11:
        return str(int(value))
    text = f"{value:.11g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').zfill(2)}"
    return text


_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def _sections(fmt: str) -> list[str]:
    """A format's ;-separated sections (a ; inside quotes or after \\ is text)."""
    out, current, quoted, i = [], "", False, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and not quoted and i + 1 < len(fmt):
            current += fmt[i : i + 2]
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append(current)
            current = ""
        else:
            current += ch
        i += 1
    return [*out, current]


def _tokens(section: str) -> list[tuple[str, str]]:
    """("text", …), ("number", "#,##0.00") and ("percent", "%") tokens of one section."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            if end < 0:
                raise Unsupported
            tokens.append(("text", section[i + 1 : end]))
            i = end + 1
        elif ch == "\\":
            tokens.append(("text", section[i + 1 : i + 2]))
            i += 2
        elif ch in "_*":  # padding to a character's width, fill: nothing to read
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            if end < 0:
                raise Unsupported
            inside = section[i + 1 : end]
            if inside.startswith("$"):  # [$£-809]: a currency symbol and a locale
                tokens.append(("text", inside[1:].split("-", 1)[0]))
            elif inside.lower() not in _COLOURS and not inside.lower().startswith("color"):
                raise Unsupported  # a condition, elapsed time
            i = end + 1
        elif ch in "0#?,.":
            run = ch
            while i + len(run) < len(section) and section[i + len(run)] in "0#?,.":
                run += section[i + len(run)]
            if tokens and tokens[-1][0] == "number":
                raise Unsupported  # two numbers: a fraction or a phone-number style format
            tokens.append(("number", run))
            i += len(run)
        elif ch == "%":
            tokens.append(("percent", "%"))
            i += 1
        elif ch.isascii() and (ch.isalpha() or ch in "/@"):
            raise Unsupported  # dates, scientific, fractions, text placeholders
        else:
            tokens.append(("text", ch))  # $ - + ( ) : space £ € and other characters as written
            i += 1
    return tokens


def render_number(value: float, fmt: str) -> str:
    """A number as a cell formatted with ``fmt`` shows it, for the common formats: General,
    0, 0.00, #,##0, #,##0.00, 0%, 0.0%, currency ("£"#,##0, [$£-809]#,##0.00, $#,##0.00, …).
    Raises :class:`Unsupported` for any other format."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    clean = fmt.strip()
    if clean.lower() in ("general", "", "@"):
        return general(value)
    sections = _sections(clean)
    sign = ""
    if value < 0 and len(sections) > 1 and sections[1]:
        section, value = sections[1], -value
    elif value == 0 and len(sections) > 2 and sections[2]:
        section = sections[2]
    else:
        section = sections[0]
        if value < 0:
            sign, value = "-", -value
    if section.lower() == "general":
        return sign + general(value)
    tokens = _tokens(section)
    numbers = [t for kind, t in tokens if kind == "number"]
    if len(numbers) != 1:
        raise Unsupported
    spec = numbers[0]
    whole, _, decimals = spec.partition(".")
    if "." in decimals or "," in decimals or whole.endswith(","):
        raise Unsupported  # scaling by thousands
    number = Decimal(repr(float(value)))
    if any(kind == "percent" for kind, _ in tokens):
        number *= 100
    places = sum(ch in "0#?" for ch in decimals)
    needed = decimals.count("0")
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    int_part, _, frac = f"{rounded:f}".partition(".")
    while len(frac) > needed and frac.endswith("0"):
        frac = frac[:-1]
    digits = whole.count("0")
    if int_part == "0" and digits == 0:
        int_part = ""
    int_part = int_part.zfill(digits)
    if "," in whole and int_part:
        int_part = f"{int(int_part):,}"
    shown = int_part + ("." + frac if frac or ("." in spec and needed) else "")
    if shown.rstrip("0.") == "" and sign:
        sign = ""  # -0.001 shown as 0 carries no sign
    out = "".join(shown if kind == "number" else text for kind, text in tokens)
    return (sign + out).strip()


@dataclass(frozen=True, kw_only=True)
class Read:
    """A cell's text, or why it could not be read; and a note, if one."""

    text: str | None = None
    date: dt.date | None = None
    error: str | None = None
    note: str | None = None


def read_cell(cell: Cell, *, csv_file: bool) -> Read:
    """A cell as the reader sees it: text as typed, numbers in their cell's format."""
    value = cell.value
    if cell.error:
        return Read(error=cell.error)
    if value is None:
        return Read()
    if isinstance(value, str):
        text = value.strip()
        if csv_file and text.startswith("'") and text[1:2] in FORMULA_START:
            text = text[1:]  # written safe by cardgen's CSV export (the OWASP apostrophe)
        return Read(text=text or None)
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return Read(date=day)
    if isinstance(value, dt.time | dt.timedelta):
        return Read(error="a time: format the cell as Text and type the value again")
    if isinstance(value, int | float):
        try:
            return Read(text=render_number(value, cell.number_format))
        except Unsupported:
            text = general(value)
            return Read(
                text=text,
                note=f'number format "{cell.number_format}" is not one cardgen renders: read '
                f'as "{text}" (General); type the figure as text to be sure',
            )
    return Read(text=str(value).strip() or None)


# --- rows into case data ---------------------------------------------------------------------


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML; DEL is escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def toml_value(value: Any) -> str:
    """A value as TOML text (one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def render_case(data: dict[str, Any]) -> str:
    """A case file's text for its data: keys in the usual order, [posts], [[outcomes]]."""
    lines = []
    keys = [k for k in TOP_ORDER if k in data] + [
        k for k in data if k not in TOP_ORDER and k not in ("posts", "outcomes")
    ]
    posts, outcomes = data.get("posts"), data.get("outcomes")
    tables = isinstance(posts, dict) and all(isinstance(v, str) for v in posts.values())
    arrays = isinstance(outcomes, list) and all(isinstance(o, dict) for o in outcomes)
    keys += [k for k, ok in (("posts", tables), ("outcomes", arrays)) if k in data and not ok]
    lines += [f"{_toml_key(k)} = {toml_value(data[k])}" for k in keys]
    if tables and posts:
        lines += ["", "[posts]"]
        ordered = [p for p in PLATFORMS if p in posts] + [p for p in posts if p not in PLATFORMS]
        lines += [f"{_toml_key(p)} = {toml_value(posts[p])}" for p in ordered]
    if arrays:
        for outcome in outcomes:
            lines += ["", "[[outcomes]]"]
            lines += [f"{_toml_key(k)} = {toml_value(v)}" for k, v in outcome.items()]
    return "\n".join(lines) + "\n"


def _norm(value: Any) -> Any:
    """A value for comparison: strings trimmed, empty collections as absent."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | tuple):
        items = tuple(_norm(v) for v in value)
        return items or None
    if isinstance(value, dict):
        items = {k: n for k, v in value.items() if (n := _norm(v)) is not None}
        return tuple(sorted(items.items())) or None
    return value


def same(a: Any, b: Any) -> bool:
    """Whether two values of a case are the same as far as a reader can tell."""
    return bool(_norm(a) == _norm(b))


def case_cells(data: dict[str, Any]) -> dict[str, Any]:
    """The sheet's cells for a case file's data (missing fields are None)."""
    cells: dict[str, Any] = {c: None for c in COLUMNS[1:]}
    for key in (*TEXT_COLUMNS, "alt"):
        cells[key] = data.get(key)
    for column, key in PHOTO_COLUMNS.items():
        cells[column] = data.get(key)
    partners = data.get("partners")
    if isinstance(partners, list):
        cells["partners"] = "; ".join(str(p) for p in partners) or None
    cells["day"] = data.get("day")
    outcomes = data.get("outcomes")
    if isinstance(outcomes, list):
        for n, outcome in enumerate(outcomes[:3], start=1):
            if isinstance(outcome, dict):
                cells[f"figure {n}"] = outcome.get("figure")
                cells[f"label {n}"] = outcome.get("label")
    posts = data.get("posts")
    if isinstance(posts, dict):
        for platform in PLATFORMS:
            cells[f"post {platform}"] = posts.get(platform)
    if data.get("tweet") and not cells["post x"]:
        cells["post x"] = data["tweet"]
    return cells


@dataclass(kw_only=True)
class Row:
    """One row of the sheet on its way to a case file."""

    number: int
    cells: dict[str, Cell]  # by column name
    texts: dict[str, Any] = field(default_factory=dict)  # column -> read value (str/int/None)
    slug: str | None = None
    existing: Existing | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the case file's data to be
    outcome_columns: list[int] = field(default_factory=list)  # outcomes[i] -> its column number
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unread: set[str] = field(default_factory=set)  # columns whose cell has a problem already

    def fail(self, problem: Problem, column: str) -> None:
        self.problems.append(problem)
        self.unread.add(column)


@dataclass(kw_only=True)
class Existing:
    """A case file already in the cases folder."""

    slug: str
    path: Path
    where: str
    text: str | None  # None if it cannot be read
    data: dict[str, Any] | None  # None if it is not valid TOML
    error: str | None = None


def _existing(project: Project) -> dict[str, Existing]:
    found = {}
    for path in case_paths(project.cases_dir):
        where = project.display(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            found[path.stem] = Existing(
                slug=path.stem, path=path, where=where, text=None, data=None, error=str(exc)
            )
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found[path.stem] = Existing(
                slug=path.stem, path=path, where=where, text=text, data=None, error=str(exc)
            )
            continue
        found[path.stem] = Existing(slug=path.stem, path=path, where=where, text=text, data=data)
    return found


def slugify(title: str, taken: set[str]) -> str:
    """A readable slug for a title, valid (model.SLUG), not reserved, not in ``taken``."""
    title = re.sub(r"['’]", "", title)  # Anytown’s: anytowns
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > 50:
        cut = slug[:51].rsplit("-", 1)[0]
        slug = cut if len(cut) >= 20 else slug[:50].rstrip("-")
    slug = slug or "case"
    if slug in (LAUNCH, SUMMARY):
        slug += "-case"
    base, n = slug, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _columns(sheet: Sheet) -> dict[str, int]:
    """Each known column's index; unknown, duplicate or unnamed columns are errors."""
    problems, index = [], {}
    allowed = ", ".join(COLUMNS)
    for i, cell in enumerate(sheet.header):
        text = cell.value
        if cell.error:
            problems.append(sheet.problem(cell.ref, cell.error))
            continue
        if text is None or (isinstance(text, str) and not text.strip()):
            if any(cells[i].value not in (None, "") for _, cells in sheet.rows):
                problems.append(
                    sheet.problem(cell.ref, "a column with values but no header: name it")
                )
            continue
        key = _header_key(str(text))
        name = _BY_HEADER.get(key)
        if name is None:
            close = difflib.get_close_matches(key, list(_BY_HEADER), n=1, cutoff=0.75)
            hint = f'; did you mean "{_BY_HEADER[close[0]]}"?' if close else ""
            problems.append(
                sheet.problem(
                    cell.ref, f'unknown column "{str(text).strip()}"{hint} (allowed: {allowed})'
                )
            )
        elif name in index:
            problems.append(
                sheet.problem(
                    cell.ref,
                    f'the column "{name}" again (first in column {column_letter(index[name])})',
                )
            )
        else:
            index[name] = i
    if not problems and "slug" not in index and "title" not in index:
        problems.append(
            sheet.problem("A1", "no slug or title column: the sheet needs one to name the cases")
        )
    if problems:
        raise CardgenError(problems)
    return index


def _read_row(
    sheet: Sheet, number: int, cells: list[Cell], index: dict[str, int], campaign: Campaign
) -> Row:
    csv_file = sheet.name is None
    row = Row(number=number, cells={name: cells[i] for name, i in index.items()})
    for name, cell in row.cells.items():
        if name in EXPORT_ONLY:
            continue
        read = read_cell(cell, csv_file=csv_file)
        if read.note:
            row.notes.append(sheet.problem(cell.ref, read.note, name))
        if read.error:
            row.fail(sheet.problem(cell.ref, read.error, name), name)
            continue
        if name == "day":
            row.texts[name] = _day(sheet, cell, name, read, campaign, row)
        elif read.date is not None:
            shown = f"{read.date:%-d %B %Y}"
            message = f"Excel made this a date ({shown}): format the cell as Text and type it again"
            row.fail(sheet.problem(cell.ref, message, name), name)
        else:
            row.texts[name] = read.text
    return row


def _day(
    sheet: Sheet, cell: Cell, name: str, read: Read, campaign: Campaign, row: Row
) -> int | None:
    def fail(message: str) -> None:
        row.fail(sheet.problem(cell.ref, message, name), name)

    span = f"{campaign.start:%-d %B %Y} to {campaign.end:%-d %B %Y}"
    if read.date is not None:
        day = (read.date - campaign.start).days + 1
        if 1 <= day <= campaign.days:
            return day
        if read.date.year < 1901:  # a small number in a cell formatted as a date
            return fail("the cell is formatted as a date: give the day as a number (1, 2, …)")
        return fail(f"{read.date:%-d %B %Y} is not a campaign day (the campaign runs {span})")
    if read.text is None:
        return None
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        text = read.text.removeprefix("day").removeprefix("Day").strip()
        date = _date_text(text)
        if date is not None:
            return _day(sheet, cell, name, Read(date=date), campaign, row)
        if not text.isdigit():
            return fail(f'"{read.text}" is not a day: a number from 1 to {campaign.days}')
        value = int(text)
    if not 1 <= value <= campaign.days:
        return fail(f"day {value} is not a campaign day: 1 to {campaign.days} ({span})")
    return value


def _date_text(text: str) -> dt.date | None:
    """A date written as text: 2015-08-27, or 27/08/2015 as in the UK."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _merge(row: Row, present: set[str]) -> dict[str, Any]:
    """The case file's data: the existing file's, with the sheet's columns put in."""
    old = dict(row.existing.data or {}) if row.existing else {}
    data = copy.deepcopy(old)
    texts = row.texts

    def put(key: str, value: Any) -> None:
        if value is None or value == [] or value == {}:
            data.pop(key, None)
        elif key in old and same(old[key], value):
            data[key] = old[key]  # as written (whitespace and all): the line is left alone
        else:
            data[key] = value

    for key in (*TEXT_COLUMNS, "alt", "day"):
        if key in present:
            put(key, texts.get(key))
    for column, key in PHOTO_COLUMNS.items():
        if column in present:
            put(key, texts.get(column))
    if "partners" in present:
        text = texts.get("partners")
        put("partners", [p.strip() for p in text.split(";") if p.strip()] if text else None)
    if present & set(POST_COLUMNS):
        posts = dict(old.get("posts") or {}) if isinstance(old.get("posts"), dict) else {}
        as_tweet = "tweet" in old and "x" not in posts
        for platform in PLATFORMS:
            column = f"post {platform}"
            if column not in present:
                continue
            value = texts.get(column)
            if platform == "x" and as_tweet:
                put("tweet", value)
            elif value is None:
                posts.pop(platform, None)
            elif not same(posts.get(platform), value):
                posts[platform] = value
        put("posts", posts)
    if present & set(OUTCOME_COLUMNS):
        olds = old.get("outcomes") if isinstance(old.get("outcomes"), list) else []
        outcomes = []
        for n in (1, 2, 3):
            before = olds[n - 1] if n <= len(olds) and isinstance(olds[n - 1], dict) else {}
            outcome = dict(before)
            for part in ("figure", "label"):
                column = f"{part} {n}"
                if column in present:
                    value = texts.get(column)
                    if value is None:
                        outcome.pop(part, None)
                    elif not same(before.get(part), value):
                        outcome[part] = value
            if outcome.get("figure") is not None or outcome.get("label") is not None:
                outcomes.append(outcome)
                row.outcome_columns.append(n)
        put("outcomes", outcomes)
    elif isinstance(old.get("outcomes"), list):
        row.outcome_columns = [1, 2, 3]
    return data


def _column_of(field_name: str, row: Row) -> tuple[str | None, str]:
    """The column a model problem's field belongs to, and a prefix for its message."""
    if field_name.startswith("outcomes["):
        match = re.match(r"outcomes\[(\d+)\](?:\.(\w+))?", field_name)
        if match:
            i, part = int(match.group(1)), match.group(2) or "figure"
            n = row.outcome_columns[i] if i < len(row.outcome_columns) else i + 1
            return f"{part if part in ('figure', 'label') else 'figure'} {n}", ""
    if field_name == "outcomes":
        return "figure 1", "outcomes: "
    if field_name.startswith("posts."):
        return f"post {field_name.removeprefix('posts.')}", ""
    if field_name == "tweet":
        return "post x", ""
    match = re.match(r"partners\[(\d+)\]", field_name)
    if match:
        return "partners", f"partner {int(match.group(1)) + 1}: "
    if field_name in COLUMNS:
        return field_name, ""
    return None, f"{field_name}: " if field_name else ""


def _problem(sheet: Sheet, row: Row, field_name: str, message: str) -> Problem:
    column, prefix = _column_of(field_name, row)
    if column is not None and column in row.cells:
        return sheet.problem(row.cells[column].ref, prefix + message, column, slug=row.slug)
    place = f"{sheet.name} row {row.number}" if sheet.name is not None else f"row {row.number}"
    where = f" (in {row.existing.where})" if row.existing and row.existing.data else ""
    if column is not None and not where:
        where = f' (the sheet has no "{column}" column)'
    name = column or field_name
    return Problem(
        file=sheet.file,
        field=f"{place} ({name})" if name else place,
        message=(prefix if column else "") + message + where,
        slug=row.slug,
    )


# --- the import ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Change:
    """What the import did, or would do, to one case."""

    slug: str
    status: str  # "added", "changed", "unchanged", "missing", "deleted"
    path: Path
    columns: tuple[str, ...] = ()  # the columns that changed
    rewritten: bool = False  # the file could not be edited in place: written afresh


@dataclass(kw_only=True)
class ImportReport:
    """The changes, the rows left out (--partial) with their problems, and notes."""

    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the rows left out (--partial)
    skipped: list[int] = field(default_factory=list)  # the row numbers left out
    notes: list[Problem] = field(default_factory=list)

    def of(self, status: str) -> list[Change]:
        return [c for c in self.changes if c.status == status]


def import_sheet(
    project: Project,
    path: Path,
    *,
    sheet: str | None = None,
    partial: bool = False,
    delete: bool = False,
    dry_run: bool = False,
    shown: str | None = None,
) -> ImportReport:
    """Read a spreadsheet of case studies and write (or, ``dry_run``, only compare) the case
    files. Every problem is raised together, nothing written, unless ``partial``: then the
    valid rows are written and the problems returned with the report."""
    campaign = open_campaign(project)
    table = read_sheet(path, sheet=sheet, shown=shown)
    index = _columns(table)
    if not table.rows:
        raise CardgenError(
            table.problem("A2", "no case studies below the header row: nothing to import")
        )
    present = set(index) - set(EXPORT_ONLY)
    existing = _existing(project)
    rows = [_read_row(table, n, cells, index, campaign) for n, cells in table.rows]
    _slugs(table, rows, existing, index)
    for row in rows:
        row.existing = existing.get(row.slug) if row.slug else None
        if row.existing is not None and row.existing.data is None:
            row.problems.append(
                _problem(
                    table,
                    row,
                    "",
                    f"{row.existing.where} cannot be updated: it is not valid TOML "
                    f"({row.existing.error}); correct or delete it first",
                )
            )
            continue
        row.data = _merge(row, present)
        _validate(table, row, campaign, project)
    _clashes(table, rows, existing, delete)
    report = ImportReport(notes=[*table.notes, *(n for r in rows for n in r.notes)])
    bad = [p for r in rows for p in r.problems]
    if bad and not partial:
        raise CardgenError(bad)
    report.problems = bad
    report.skipped = [r.number for r in rows if r.problems]
    seen = set()
    writes: list[tuple[Path, str]] = []
    for row in rows:
        if row.slug is not None:
            seen.add(row.slug)
        if row.problems or row.slug is None:
            continue
        change, text = _change(row, project, present)
        report.changes.append(change)
        if text is not None:
            writes.append((change.path, text))
    unnamed = any(r.slug is None for r in rows)
    for slug, found in sorted(existing.items()):
        if slug in seen:
            continue
        status = "deleted" if delete and not unnamed else "missing"
        report.changes.append(Change(slug=slug, status=status, path=found.path))
    if delete and unnamed:
        report.notes.append(
            Problem(file=table.file, message="nothing deleted: some rows have no slug or title")
        )
    if not dry_run:
        for target, text in writes:
            _write(target, text)
        deleted = report.of("deleted")
        for change in deleted:
            change.path.unlink(missing_ok=True)
        if deleted and project.campaign_file is not None:
            _revoke_deleted(project, [c.slug for c in deleted], report)
    return report


def _revoke_deleted(project: Project, slugs: list[str], report: ImportReport) -> None:
    """A deleted case's approvals go with it (left behind, they would be reported on every
    `cardgen status` as approving a card that does not exist)."""
    from .signoff import read_approvals, update

    approved = [slug for slug in slugs if slug in read_approvals(project)[0]]
    if approved:
        update(project, dict.fromkeys(approved))
        report.notes.append(Problem(message=f"approvals removed: {', '.join(approved)}"))


def _slugs(sheet: Sheet, rows: list[Row], existing: dict[str, Existing], index: dict) -> None:
    """Each row's slug: its slug cell, the existing case with its title, or one made from the
    title; a slug given twice is an error on both rows."""
    by_title: dict[str, list[str]] = {}
    for slug, found in existing.items():
        title = (found.data or {}).get("title")
        if isinstance(title, str):
            by_title.setdefault(clean_text(title).casefold(), []).append(slug)
    given: dict[str, list[Row]] = {}
    for row in rows:
        text = row.texts.get("slug")
        if text is None:
            continue
        if not SLUG.match(text) or text in (LAUNCH, SUMMARY):
            reserved = f'; "{text}" is reserved' if text in (LAUNCH, SUMMARY) else ""
            message = (
                f'"{text}" is not a valid slug: lower-case letters, digits and hyphens (at most '
                f"64), not starting with a hyphen{reserved}"
            )
            row.fail(sheet.problem(row.cells["slug"].ref, message, "slug"), "slug")
            row.slug = None
            continue
        row.slug = text
        given.setdefault(text, []).append(row)
    taken = set(given)
    for row in rows:
        if row.slug is not None or row.texts.get("slug") is not None:
            continue
        title = row.texts.get("title")
        if title is None:
            if not row.problems:
                ref = row.cells["title"].ref if "title" in row.cells else None
                message = "no slug and no title: the row names no case"
                row.fail(
                    sheet.problem(ref, message, "title")
                    if ref
                    else Problem(file=sheet.file, field=f"row {row.number}", message=message),
                    "title",
                )
            continue
        matches = [s for s in by_title.get(clean_text(title).casefold(), []) if s not in taken]
        row.slug = matches[0] if len(matches) == 1 else slugify(title, taken | set(existing))
        taken.add(row.slug)
        given.setdefault(row.slug, []).append(row)
    for slug, group in given.items():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(str(o.number) for o in group if o is not row)
            column = "slug" if "slug" in row.cells else "title"
            row.fail(
                sheet.problem(
                    row.cells[column].ref,
                    f'the slug "{slug}" is also on row {others}: each case once',
                    column,
                    slug=slug,
                ),
                column,
            )


def _validate(sheet: Sheet, row: Row, campaign: Campaign, project: Project) -> None:
    """The row's case through the model, and against the campaign: every problem at once."""
    try:
        load(Case, row.data, shown=sheet.file, fonts=project.fonts, slug=row.slug)
    except CardgenError as exc:
        row.problems += [
            _problem(sheet, row, p.field, p.message)
            for p in exc.problems
            if _column_of(p.field, row)[0] not in row.unread  # said already, by the cell
        ]
    service, day = row.data.get("service"), row.data.get("day")
    if isinstance(service, str) and service.strip() and service.strip() not in campaign.services:
        known = ", ".join(campaign.services)
        row.problems.append(
            _problem(sheet, row, "service", f'unknown service "{service}" (known: {known})')
        )
    if isinstance(day, int) and not isinstance(day, bool) and day > campaign.days:
        row.problems.append(
            _problem(sheet, row, "day", f"day {day}: must be between 1 and {campaign.days}")
        )


def _clashes(sheet: Sheet, rows: list[Row], existing: dict[str, Existing], delete: bool) -> None:
    """Two cases on one day: rows of the sheet, and kept case files the sheet leaves alone."""
    by_day: dict[int, list[Row | Existing]] = {}
    in_sheet = {r.slug for r in rows if r.slug}
    for row in rows:
        day = row.data.get("day") if not row.problems else None
        if row.problems and row.existing and row.existing.data:
            day = row.existing.data.get("day")  # skipped: its file keeps its day
        if isinstance(day, int):
            by_day.setdefault(day, []).append(row)
    if not delete:
        for slug, found in existing.items():
            day = (found.data or {}).get("day")
            if slug not in in_sheet and isinstance(day, int) and not isinstance(day, bool):
                by_day.setdefault(day, []).append(found)
    for day, group in sorted(by_day.items()):
        if len(group) < 2:
            continue
        for item in group:
            if not isinstance(item, Row) or item.problems:
                continue
            others = ", ".join(
                f"row {o.number}" if isinstance(o, Row) else f"{o.where} (not in the sheet)"
                for o in group
                if o is not item
            )
            item.problems.append(
                _problem(sheet, item, "day", f"day {day} is also taken by {others}")
            )


def _change(row: Row, project: Project, present: set[str]) -> tuple[Change, str | None]:
    assert row.slug is not None
    found = row.existing
    path = found.path if found else project.cases_dir / f"{row.slug}.toml"
    if found is None:
        return Change(slug=row.slug, status="added", path=path), render_case(row.data)
    assert found.data is not None and found.text is not None
    if same(found.data, row.data):
        return Change(slug=row.slug, status="unchanged", path=path), None
    before, after = case_cells(found.data), case_cells(row.data)
    columns = tuple(c for c in COLUMNS[1:] if not same(before[c], after[c]))
    text = edit_case(found.text, found.data, row.data)
    rewritten = text is None
    if text is None:
        text = render_case(row.data)
    change = Change(
        slug=row.slug, status="changed", path=path, columns=columns, rewritten=rewritten
    )
    return change, text


def _write(path: Path, text: str) -> None:
    """Write a case file atomically (a reader never sees half of it)."""
    from .build import write_atomic

    write_atomic(path, text.encode("utf-8"))


# --- editing a case file in place -----------------------------------------------------------


@dataclass(kw_only=True)
class _Seg:
    """A run of lines of a TOML file: a key and its value, a table header, a comment, blank."""

    kind: str  # "kv", "header", "comment", "blank"
    lines: list[str]
    key: str = ""
    array: bool = False
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_-]+)\s*(\]\]?)\s*(#.*)?$")


class _Fallback(Exception):
    """The file's layout is not one the line editor handles: write it afresh."""


def _segments(lines: list[str]) -> list[_Seg]:
    segs: list[_Seg] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped:
            segs.append(_Seg(kind="blank", lines=[lines[i]]))
            i += 1
        elif stripped.startswith("#"):
            segs.append(_Seg(kind="comment", lines=[lines[i]]))
            i += 1
        elif stripped.startswith("["):
            match = _HEADER.match(lines[i])
            if not match or len(match.group(1)) != len(match.group(3)):
                raise _Fallback
            segs.append(
                _Seg(
                    kind="header",
                    lines=[lines[i]],
                    key=match.group(2),
                    array=match.group(1) == "[[",
                )
            )
            i += 1
        else:
            for j in range(i, len(lines)):
                try:
                    parsed = tomllib.loads("\n".join(lines[i : j + 1]))
                except tomllib.TOMLDecodeError:
                    continue
                if len(parsed) != 1:
                    raise _Fallback
                segs.append(_Seg(kind="kv", lines=lines[i : j + 1], key=next(iter(parsed))))
                i = j + 1
                break
            else:
                raise _Fallback
    return segs


def _replace(seg: _Seg, key: str, value: Any) -> None:
    """A key's line with a new value; a comment after a one-line value is kept."""
    line = seg.lines[0]
    indent = line[: len(line) - len(line.lstrip())]
    tail = ""
    if len(seg.lines) == 1:
        for match in re.finditer("#", line):
            head = line[: match.start()]
            try:
                tomllib.loads(head)
            except tomllib.TOMLDecodeError:
                continue
            tail = head[len(head.rstrip()) :] + line[match.start() :]
            break
    seg.lines = [f"{indent}{_toml_key(key)} = {toml_value(value)}{tail}"]


def _edit_body(
    segs: list[_Seg], old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]
) -> None:
    """Edit a table's key lines (``keys``, in their usual order) from ``old`` to ``new``."""
    kvs: dict[str, _Seg] = {}
    for seg in segs:
        if seg.kind == "kv":
            if seg.key in kvs:
                raise _Fallback  # dotted keys spread over lines
            kvs[seg.key] = seg
    for key in keys:
        missing = key not in new or _norm(new[key]) is None
        if missing:
            if key in kvs:
                kvs[key].lines = []
            continue
        if key in old and same(old[key], new[key]):
            continue
        if key in kvs:
            _replace(kvs[key], key, new[key])
            continue
        line = f"{_toml_key(key)} = {toml_value(new[key])}"
        earlier = [kvs[k] for k in keys[: keys.index(key)] if k in kvs]
        if earlier:
            earlier[-1].after.append(line)
        elif kvs:
            next(iter(kvs.values())).before.append(line)
        elif segs:
            segs[0].after.append(line)
        else:
            raise _Fallback


def _tables(segs: list[_Seg]) -> tuple[list[_Seg], list[tuple[_Seg, list[_Seg]]]]:
    """The segments before the first header, and each header with the segments under it."""
    top: list[_Seg] = []
    tables: list[tuple[_Seg, list[_Seg]]] = []
    for seg in segs:
        if seg.kind == "header":
            tables.append((seg, []))
        elif tables:
            tables[-1][1].append(seg)
        else:
            top.append(seg)
    return top, tables


def _drop_table(header: _Seg, body: list[_Seg]) -> None:
    header.lines = []
    for seg in body:
        if seg.kind in ("kv", "blank"):
            seg.lines = []


def edit_case(text: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A case file's text edited line by line from ``old`` to ``new`` data: comments, other
    keys and the layout are kept. None if the file's layout is beyond the line editor (the
    caller then writes it afresh)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        segs = _segments(text.splitlines())
        top, tables = _tables(segs)
        top_keys = {s.key for s in top if s.kind == "kv"}
        headers = [h.key for h, _ in tables]
        if any(k not in ("posts", "outcomes") for k in headers):
            raise _Fallback
        inline = tuple(k for k in ("posts", "outcomes") if k in top_keys or k not in headers)
        managed = TOP_ORDER + tuple(k for k in inline if k in top_keys)
        _edit_body(top, old, new, managed)
        if "posts" not in inline or ("posts" not in top_keys and new.get("posts")):
            _edit_posts(segs, tables, old.get("posts") or {}, new.get("posts") or {})
        if "outcomes" not in inline or ("outcomes" not in top_keys and new.get("outcomes")):
            _edit_outcomes(segs, tables, old.get("outcomes") or [], new.get("outcomes") or [])
    except _Fallback:
        return None
    out: list[str] = []
    for seg in segs:
        out += seg.before + seg.lines + seg.after
    while out and not out[-1].strip():
        out.pop()
    result = newline.join(out) + newline
    try:
        if tomllib.loads(result) != new:
            return None
    except tomllib.TOMLDecodeError:
        return None
    return result


def _edit_posts(
    segs: list[_Seg], tables: list[tuple[_Seg, list[_Seg]]], old: Any, new: dict[str, Any]
) -> None:
    found = [(h, b) for h, b in tables if h.key == "posts" and not h.array]
    if len(found) > 1 or not isinstance(old, dict):
        raise _Fallback
    keys = (*PLATFORMS, *(k for k in (*old, *new) if k not in PLATFORMS))
    keys = tuple(dict.fromkeys(keys))
    if found:
        header, body = found[0]
        if not new:
            _drop_table(header, body)
        else:
            _edit_body(body, old, new, keys)
        return
    if not new:
        return
    lines = ["[posts]", *(f"{_toml_key(k)} = {toml_value(new[k])}" for k in keys if k in new)]
    outcomes = [h for h, _ in tables if h.key == "outcomes"]
    if outcomes:  # before the first [[outcomes]], and the comments just above it
        at = segs.index(outcomes[0])
        while at > 0 and segs[at - 1].kind == "comment":
            at -= 1
        segs[at].before[:0] = [*lines, ""]
    else:
        segs[-1].after += ["", *lines] if segs else lines


def _edit_outcomes(
    segs: list[_Seg], tables: list[tuple[_Seg, list[_Seg]]], old: Any, new: list[Any]
) -> None:
    found = [(h, b) for h, b in tables if h.key == "outcomes"]
    if not isinstance(old, list) or len(found) != len(old) or any(not h.array for h, _ in found):
        raise _Fallback
    for i, (header, body) in enumerate(found):
        if i >= len(new):
            _drop_table(header, body)
            continue
        if not isinstance(old[i], dict):
            raise _Fallback
        keys = tuple(dict.fromkeys(("figure", "label", *old[i], *new[i])))
        _edit_body(body, old[i], new[i], keys)
    extra = []
    for outcome in new[len(found) :]:
        extra += ["", "[[outcomes]]"]
        extra += [f"{_toml_key(k)} = {toml_value(v)}" for k, v in outcome.items()]
    if not extra:
        return
    if found:
        header, body = found[-1]
        last = [s for s in (header, *body) if s.kind == "kv" and s.lines] or [header]
        last[-1].after += extra
    elif segs:
        segs[-1].after += extra
    else:
        raise _Fallback


# --- the workbook export ---------------------------------------------------------------------


def export_workbook(project: Project) -> bytes:
    """The project's cases as an Excel workbook in the import's layout, one row per case in
    schedule order, with each day's date and each case's problems, for a team to edit and
    import again."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .model import load_cases

    campaign = open_campaign(project)
    existing = _existing(project)
    _, problems = load_cases(project, campaign)
    by_slug: dict[str, list[str]] = {}
    for p in problems:
        if p.slug:
            by_slug.setdefault(p.slug, []).append(
                f"{p.field}: {p.message}" if p.field else p.message
            )
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Cases"
    for i, name in enumerate(EXPORT_COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=name)
        cell.font = Font(bold=True)
    text_columns = {n for n in EXPORT_COLUMNS if n not in ("day", "date")}
    for i, name in enumerate(EXPORT_COLUMNS):
        letter = column_letter(i)
        ws.column_dimensions[letter].width = {"slug": 28, "title": 50, "summary": 60}.get(
            name, 24 if name not in ("day", "date") else 12
        )
        if name in text_columns:
            ws.column_dimensions[letter].number_format = "@"  # "3/4" typed stays text

    def sort_key(item: tuple[str, Existing]) -> tuple[int, str]:
        day = (item[1].data or {}).get("day")
        return order(day if isinstance(day, int) else None, item[0])

    for r, (slug, found) in enumerate(sorted(existing.items(), key=sort_key), start=2):
        data = found.data or {}
        cells = case_cells(data)
        notes = list(by_slug.get(slug, []))
        if found.data is None:
            notes.append(f"cannot be read: {found.error}")
        partners = data.get("partners")
        if isinstance(partners, list) and any(";" in str(p) for p in partners):
            notes.append('partners: a name contains ";", which the import reads as a separator')
        values = {"slug": slug, **cells, "problems": "\n".join(notes) or None}
        day = data.get("day")
        if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= campaign.days:
            values["date"] = campaign.date_of(day)
        for i, name in enumerate(EXPORT_COLUMNS, start=1):
            value = values.get(name)
            if value is None:
                continue
            cell = ws.cell(row=r, column=i)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # never a formula, whatever it starts with
                cell.number_format = "@"
                if value.startswith(FORMULA_START):
                    cell.quotePrefix = True  # Excel keeps it text when the cell is edited
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "ddd d mmm yyyy"
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
            else:
                cell.value = toml_value(value)
                cell.data_type = "s"
    services = ",".join(campaign.services)
    if len(services) <= 255 and not any(
        c in services for c in '"\n'
    ):  # Excel's limit for a list written into the validation
        column = column_letter(EXPORT_COLUMNS.index("service"))
        check = DataValidation(type="list", formula1=f'"{services}"', allow_blank=True)
        check.error = "Use one of the campaign's services: " + ", ".join(campaign.services)
        check.showErrorMessage = False  # a warning in the import is enough
        check.add(f"{column}2:{column}{MAX_ROWS + 1}")
        ws.add_data_validation(check)
    ws.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the command -----------------------------------------------------------------------------


def describe(report: ImportReport) -> list[str]:
    """The report as the command prints it: a line per added, changed or deleted case, the
    unchanged ones counted, the missing ones named."""
    lines = []
    for change in report.changes:
        if change.status == "added":
            lines.append(f"added {change.slug}")
        elif change.status == "changed":
            detail = f" ({', '.join(change.columns)})" if change.columns else ""
            rewritten = " [written afresh: its comments were lost]" if change.rewritten else ""
            lines.append(f"changed {change.slug}{detail}{rewritten}")
        elif change.status == "deleted":
            lines.append(f"deleted {change.slug}")
    unchanged = report.of("unchanged")
    if unchanged:
        lines.append(f"unchanged: {len(unchanged)}")
    missing = report.of("missing")
    if missing:
        names = ", ".join(c.slug for c in missing)
        lines.append(f"missing from the sheet: {names} (kept; --delete removes)")
    lines += [f"note: {note}" for note in report.notes]
    return lines


@click.command("import")
@project_options
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--sheet", default=None, metavar="NAME", help="The sheet to read (default: the first)."
)
@click.option("--partial", is_flag=True, help="Write the valid rows even if others have problems.")
@click.option("--delete", is_flag=True, help="Delete case files that have no row in the sheet.")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def import_cmd(
    project: Project, file: Path, sheet: str | None, partial: bool, delete: bool, dry_run: bool
) -> None:
    """Case studies from a spreadsheet (.xlsx or .csv): a case file per row.

    Columns: slug, title, organisation, service, summary, model, partners (separated by ";"),
    url, day, figure 1, label 1 … figure 3, label 3, alt, post x, post bluesky, … . Existing
    case files are updated in place (comments kept); nothing is written unless every row is
    valid (--partial writes the valid ones).
    """
    from .cli import fail

    report = import_sheet(
        project, file, sheet=sheet, partial=partial, delete=delete, dry_run=dry_run
    )
    for line in describe(report):
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing written")
    if report.problems:
        fail(report.problems)
        rows = ", ".join(str(n) for n in report.skipped)
        click.echo(f"left out: row{'s' * (len(report.skipped) != 1)} {rows}", err=True)
        raise click.exceptions.Exit(1)
