"""`cardgen export`: the campaign's posts as CSV, iCalendar and the schedulers' bulk files,
parsed back; spreadsheet formulas; the clock changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cardgen.export import CSV_COLUMNS

from .conftest import CASES, MINIMAL_CASE, run

LONDON = ZoneInfo("Europe/London")


def export(runner, cases: Path, out: Path, *args: str) -> str:
    result = run(runner, "export", "--cases", cases, "--out", out, "--file", "-", *args)
    assert result.exit_code == 0, result.stderr
    return result.output


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped cases and a build folder for them (built once)."""
    out = tmp_path_factory.mktemp("export-out")
    return CASES, out


def test_csv_has_a_row_per_post_per_platform(runner, shipped) -> None:
    cases, out = shipped
    rows = list(csv.DictReader(io.StringIO(export(runner, cases, out, "--to", "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    # Launch, 22 cases and the summary, and the Welsh and bilingual launch and day 7 (Gwynedd),
    # on seven platforms; a bilingual post too long for one platform has its reply below it.
    posts = [r for r in rows if not r["reply"]]
    assert len(posts) == 28 * 7
    assert {r["card"] for r in posts if r["day"] == "7"} == {
        "llyn-village-hall-gwynedd", "llyn-village-hall-gwynedd-cy",
        "llyn-village-hall-gwynedd-cy-en",
    }  # fmt: skip
    replies = [i for i, r in enumerate(rows) if r["reply"]]
    assert replies and all(rows[i]["reply"] == "yes" for i in replies)
    for i in replies:
        above = rows[i - 1]
        assert (above["card"], above["platform"]) == (rows[i]["card"], rows[i]["platform"])
        assert above["card"].endswith("-cy-en") and not above["reply"]
    x_reply = next(rows[i]["text"] for i in replies if rows[i]["card"].startswith("llyn"))
    assert x_reply.startswith("Llŷn village hall handed")  # the English, under the Welsh
    # The shipped campaign requires sign-off and approves every card.
    assert {r["approval"].split(" by ")[0] for r in rows} == {"approved"}
    assert {r["time"] for r in rows} == {"10:00"} and {r["timezone"] for r in rows} == {
        "Europe/London"
    }
    day3 = [r for r in rows if r["day"] == "3"]
    assert {r["platform"] for r in day3} == {
        "x", "bluesky", "mastodon", "linkedin", "threads", "instagram", "facebook",
    }  # fmt: skip
    for r in rows:
        assert (
            (out / Path(r["image"]).relative_to(out)).exists()
            if Path(r["image"]).is_absolute()
            else True
        )
    manifest = json.loads((out / "manifest.json").read_text())
    posted = {(c["slug"], k): v for c in manifest["cards"] for k, v in c["posts"].items()}
    assert all(r["text"] == posted[(r["card"], r["platform"])] for r in posts)


def test_ics_has_every_day_at_ten_uk_time(runner, shipped) -> None:
    cases, out = shipped
    data = export(runner, cases, out, "--to", "ics")
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 22  # the launch shares day 1's event
    starts = [e.decoded("dtstart") for e in events]
    assert [s.date() for s in starts] == [dt.date(2015, 8, 25) + dt.timedelta(d) for d in range(22)]
    assert all(s.time() == dt.time(10) and str(s.tzinfo) == "Europe/London" for s in starts)
    assert all(s.utcoffset() == dt.timedelta(hours=1) for s in starts)  # BST in August
    day3 = events[2]
    text = str(day3.get("description"))
    assert "Bluesky (living-well-collaborative-lambeth)" in text and "Alt text" in text
    assert [z["TZID"] for z in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_a_clock_change_in_the_middle(runner, one_case_dir: Path, tmp_path: Path) -> None:
    campaign = one_case_dir / "campaign.toml"
    text = campaign.read_text().replace("start = 2015-08-25", "start = 2026-10-22")
    campaign.write_text(text.replace("days = 22", "days = 6"))
    for day in range(2, 7):
        (one_case_dir / f"c{day}.toml").write_text(f"day = {day}\n" + MINIMAL_CASE)
    data = export(runner, one_case_dir, tmp_path / "out", "--to", "ics")
    starts = [e.decoded("dtstart") for e in icalendar.Calendar.from_ical(data).walk("VEVENT")]
    utc = [s.astimezone(dt.UTC) for s in starts]
    # The UK's clocks go back on Sunday 25 October 2026: 10:00 is 09:00 UTC before, 10:00 after.
    assert [u.hour for u in utc] == [9, 9, 9, 10, 10, 10]
    assert all(s.astimezone(LONDON).hour == 10 for s in starts)


def test_a_posting_time_that_does_not_exist(runner, one_case_dir: Path, tmp_path: Path) -> None:
    campaign = one_case_dir / "campaign.toml"
    text = campaign.read_text().replace("start = 2015-08-25", "start = 2027-03-27")
    campaign.write_text(
        text + '\n[posting]\ntime = "02:30"\ntimezone = "Europe/Berlin"\n'
    )  # clocks in Berlin jump from 02:00 to 03:00 on 28 March 2027 (day 2)
    (one_case_dir / "second.toml").write_text("day = 2\n" + MINIMAL_CASE)
    result = run(runner, "export", "--to", "csv", "--cases", one_case_dir, "--out", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{campaign}: posting.time: 02:30 does not exist on 28 March 2027 in Europe/Berlin "
        "(the clocks go forward): choose another time"
    )
    campaign.write_text(text + '\n[posting]\ntime = "25:00"\ntimezone = "Mars/Olympus"\n')
    result = run(runner, "export", "--to", "csv", "--cases", one_case_dir, "--out", tmp_path)
    assert "posting.time: '25:00' is not a time of day" in result.stderr
    assert "posting.timezone: 'Mars/Olympus' is not a time zone" in result.stderr


@pytest.mark.parametrize("start", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx"])
def test_no_cell_becomes_a_formula(runner, one_case_dir: Path, tmp_path: Path, start: str) -> None:
    path = one_case_dir / "small.toml"
    title = start + " a title"
    path.write_text(
        "day = 1\n"
        + MINIMAL_CASE.replace('"A short title"', json.dumps(title))
        + f"\n[posts]\nx = {json.dumps(start + ' my post')}\n"
    )
    want = (start + " my post").strip() + " #bettercommissioning"  # as a post is cleaned
    for target in ("csv", "sprout", "hootsuite"):
        data = export(runner, one_case_dir, tmp_path / "out", "--to", target)
        cells = [cell for row in csv.reader(io.StringIO(data)) for cell in row]
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (target, cell)
        # ... and still reads as written, once the spreadsheet's quote is taken off.
        quoted = "'" + want if want.startswith(("=", "+", "-", "@")) else want
        assert quoted in cells, (target, want)


def test_sprout_and_hootsuite_files(runner, shipped) -> None:
    cases, out = shipped
    sprout = list(csv.reader(io.StringIO(export(runner, cases, out, "--to", "sprout"))))
    assert sprout[0] == ["date", "time_24hr", "message_text"]
    assert sprout[1][:2] == ["25/08/2015", "10:00"] and len(sprout) == 1 + 28  # no replies
    hoot = list(
        csv.reader(
            io.StringIO(export(runner, cases, out, "--to", "hootsuite", "--platform", "linkedin"))
        )
    )
    assert hoot[0][0] == "25/08/2015 10:00" and len(hoot) == 28
    assert hoot[3][2].startswith("https://www.gov.uk/") and hoot[3][2] not in hoot[3][1]


def test_export_writes_into_out(runner, one_case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(runner, "export", "--to", "ics", "--cases", one_case_dir, "--out", out)
    assert result.exit_code == 0 and (out / "posts.ics").exists()
    bad = run(runner, "export", "--to", "sprout", "--platform", "myspace", "--cases", one_case_dir)
    assert bad.exit_code == 2 and "use one of: x, bluesky" in bad.stderr
    shutil.rmtree(out)


def test_xlsx_export_imports_unchanged(runner, cases_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(runner, "export", "--to", "xlsx", "--cases", cases_dir, "--out", out)
    assert result.exit_code == 0, result.stderr
    before = {p.name: p.read_bytes() for p in cases_dir.glob("*.toml")}
    back = run(runner, "import", out / "cases.xlsx", "--cases", cases_dir)
    assert back.exit_code == 0, back.stderr
    assert "unchanged: 22" in back.output
    assert {p.name: p.read_bytes() for p in cases_dir.glob("*.toml")} == before
