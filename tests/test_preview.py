"""`cardgen preview`: the server in a thread on a free 127.0.0.1 port, on copies in tmp_path.

The tests see the preview as a page does, through its HTTP surface (/api/state, /events, the
PNG URLs), plus the public methods start, stop, wait_idle and url. Every wait is bounded.
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from cardgen.preview import STRESS, Preview, preview_cmd
from cardgen.project import Project

from .conftest import CASES, TEMPLATES
from .preview_support import (
    TIMEOUT,
    Events,
    add_mark,
    card_event,
    cards,
    copy_campaign,
    get,
    save,
    state,
    wait_for,
    wait_settled,
)

# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the shipped cases and templates (twitter only) that a test may break."""
    return copy_campaign(tmp_path)


@pytest.fixture
def preview(folders: tuple[Path, Path]) -> Iterator[Preview]:
    """A running preview, every card drawn."""
    cases, templates = folders
    with Preview(Project.open(cases=cases, templates=templates), port=0, jobs=2) as running:
        assert running.wait_idle(120), "the first render did not finish"
        yield running


# --- tests ---------------------------------------------------------------------------------


def test_page_lists_every_card_of_every_format(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)  # every format, as shipped
    slugs = sorted(
        p.stem for p in CASES.glob("*.toml") if p.name not in ("campaign.toml", "approvals.toml")
    )
    project = Project.open(cases=CASES, templates=templates)
    formats = project.formats
    with Preview(project, port=0, jobs=2) as running:
        listed = wait_for(lambda: state(running)["cards"], "the first plan")
        status, headers, page = get(running, "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b'src="/app.js"' in page and b'href="/style.css"' in page
        assert not re.search(rb'(src|href)="(https?:)?//', page)  # nothing from the network
        for asset in ("/app.js", "/style.css"):
            assert get(running, asset)[0] == 200
    # The campaign's cards come first, in the state and on the page; the stress rows follow.
    groups = [c["group"] for c in listed]
    assert groups == ["card"] * groups.count("card") + ["stress"] * groups.count("stress")
    assert page.index(b'<section id="cards"') < page.index(b'<section id="stress"')
    ids = {c["id"] for c in listed}
    for name, fmt in formats.items():
        kinds = getattr(fmt, "kinds", None) or ("case", "launch")
        assert any(c["format"] == name for c in listed), name
        if "launch" in kinds:
            assert f"card/{name}/launch" in ids
        if "case" in kinds:
            assert {f"card/{name}/{slug}" for slug in slugs} <= ids
            assert {f"stress/{name}/{stress}" for stress, _, _ in STRESS} <= ids
    for card in listed:  # each card says its day, slug (or what it tests) and format
        assert card["caption"].endswith(f" · {card['format']}")
        if card["group"] == "card":
            assert card["slug"] in card["caption"]
        if card["slug"] in slugs:
            assert card["caption"].startswith(f"day {card['day']} · ")


def test_image_urls_return_pngs(preview: Preview) -> None:
    listed = cards(preview)
    assert all(c["status"] == "ok" for c in listed.values() if not c["expect_error"]), [
        (c["id"], c["problems"]) for c in listed.values() if c["status"] != "ok"
    ]
    card = listed["card/twitter/checkpoint-durham"]
    assert re.fullmatch(r"/card/twitter/checkpoint-durham\.png\?v=[0-9a-f]{12}", card["src"])
    status, headers, png = get(preview, card["src"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert "immutable" in headers["Cache-Control"]
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (1200, 675)
    status, _, launch = get(preview, listed["card/twitter/launch"]["src"])
    assert status == 200 and launch.startswith(b"\x89PNG")
    status, _, stress = get(preview, listed["stress/twitter/welsh"]["src"])
    assert status == 200 and stress.startswith(b"\x89PNG")
    # The debug overlay: the same card with boxes drawn over it.
    status, _, debug = get(preview, card["src"] + "&debug=1")
    assert status == 200 and debug.startswith(b"\x89PNG") and debug != png
    # Only known cards; nothing else from the file system.
    assert get(preview, "/card/twitter/nope.png")[0] == 404
    assert get(preview, "/card/../../../etc/passwd.png")[0] == 404
    assert get(preview, "/../pyproject.toml")[0] == 404
    # A rebound DNS name pointing at 127.0.0.1 is refused.
    assert get(preview, "/", {"Host": "attacker.example:80"})[0] == 403


def test_stress_row(preview: Preview) -> None:
    listed = list(cards(preview).values())
    stress = {c["slug"]: c for c in listed if c["group"] == "stress"}
    assert list(stress) == [name for name, _, _ in STRESS]  # in STRESS order, after the cards
    assert [c["group"] for c in listed[-len(stress) :]] == ["stress"] * len(stress)
    fits, too_long = stress["longest-title"], stress["title-too-long"]
    assert fits["status"] == "ok"
    assert too_long["status"] == "failed" and too_long["expect_error"]
    (problem,) = too_long["problems"]
    assert problem.startswith("stress/title-too-long.toml: title: too long for the twitter card")
    chars = [int(re.search(r"\((\d+) characters\)", c["caption"])[1]) for c in (fits, too_long)]
    assert 60 < chars[0] < chars[1]
    for name, card in stress.items():
        if name != "title-too-long":
            assert card["status"] == "ok", (name, card["problems"])


def test_case_edit_sends_an_event_and_changes_only_that_card(
    preview: Preview, folders: tuple[Path, Path]
) -> None:
    cases, _ = folders
    before = cards(preview)
    old = before["card/twitter/checkpoint-durham"]
    old_png = get(preview, old["src"])[2]
    events = Events(preview)
    try:
        assert events.next()[0] == "state"
        path = cases / "checkpoint-durham.toml"
        text = path.read_text(encoding="utf-8")
        save(path, text.replace("Checkpoint: a contract", "Checkpoint: a deal"))
        seen = events.until(card_event("card/twitter/checkpoint-durham", "ok"))
    finally:
        events.close()
    touched = {c["id"] for event, data in seen if event == "cards" for c in data["cards"]}
    assert touched == {"card/twitter/checkpoint-durham"}  # no other card was drawn again
    new = cards(preview)["card/twitter/checkpoint-durham"]
    assert new["version"] != old["version"]
    assert new["title"].startswith("Checkpoint: a deal")
    status, _, new_png = get(preview, new["src"])
    assert status == 200 and new_png != old_png
    after = cards(preview)
    unchanged = [i for i in before if i != new["id"] and before[i]["src"] == after[i]["src"]]
    assert len(unchanged) == len(before) - 1


def cli_messages(cases: Path, templates: Path) -> set[str]:
    """What `cardgen check` prints for these folders: one problem a line."""
    from cardgen.cli import cli

    result = CliRunner().invoke(
        cli, ["check", "--cases", str(cases), "--templates", str(templates)]
    )
    return set(result.stderr.splitlines())


def test_broken_template_shows_the_cli_message_then_recovers(
    preview: Preview, folders: tuple[Path, Path]
) -> None:
    cases, templates = folders
    template = templates / "case.twitter.svg"
    good = template.read_text(encoding="utf-8")
    old = cards(preview)
    assert "{{ organisation }}" in good
    events = Events(preview)
    try:
        events.next()
        # 1. A Jinja error while filling: every case card shows it, the launch card is fine.
        save(template, good.replace("{{ organisation }}", "{{ organisaton }}"))
        events.until(card_event("card/twitter/checkpoint-durham", "failed"))
        wait_for(lambda: preview.wait_idle(0.1), "the re-render")
        now = cards(preview)
        problem = now["card/twitter/checkpoint-durham"]["problems"][0]
        assert "'organisaton' is undefined" in problem
        assert problem in cli_messages(cases, templates)
        assert now["stress/twitter/welsh"]["problems"] == [problem]  # the stress row too
        assert now["card/twitter/launch"]["status"] == "ok"
        assert now["card/twitter/launch"]["src"] == old["card/twitter/launch"]["src"]
        assert get(preview, "/")[0] == 200  # the server is still up

        # 2. Not even well-formed: the template's own check, worded as the CLI words it.
        save(template, good.replace("</svg>", "</svgg>"))
        events.until(
            lambda e, d: (
                e == "cards"
                and any("not well-formed" in "".join(c["problems"]) for c in d["cards"])
            )
        )
        wait_for(lambda: preview.wait_idle(0.1), "the re-plan")
        problem = cards(preview)["card/twitter/checkpoint-durham"]["problems"][0]
        assert "case.twitter.svg:" in problem and "not well-formed" in problem
        assert problem in cli_messages(cases, templates)

        # 3. Fixed: the cards come back (the images are the ones from before).
        save(template, good)
        events.until(card_event("card/twitter/checkpoint-durham", "ok"))
        wait_for(lambda: preview.wait_idle(0.1), "the recovery")
    finally:
        events.close()
    now = cards(preview)
    for card_id, card in old.items():
        assert now[card_id]["status"] == card["status"], card_id
        assert now[card_id]["src"] == card["src"], card_id


def test_template_edit_changes_the_images(preview: Preview, folders: tuple[Path, Path]) -> None:
    _, templates = folders
    old = cards(preview)
    events = Events(preview)
    try:
        events.next()
        started = time.monotonic()
        add_mark(templates / "case.twitter.svg")
        events.until(card_event("card/twitter/checkpoint-durham", "ok"))
        first = time.monotonic() - started
    finally:
        events.close()
    wait_for(lambda: preview.wait_idle(0.1), "the re-render")
    now = cards(preview)
    assert now["card/twitter/launch"]["src"] == old["card/twitter/launch"]["src"]
    for card_id, card in now.items():
        if card_id.startswith("card/twitter/") and card["slug"] != "launch":
            assert card["src"] != old[card_id]["src"], card_id
    png = get(preview, now["card/twitter/checkpoint-durham"]["src"])[2]
    with Image.open(io.BytesIO(png)) as image:
        assert image.convert("RGB").getpixel((20, 20)) == (255, 0, 170)
    print(f"template saved -> first card event after {first:.2f} s")


def test_bad_case_and_bad_campaign_show_errors_and_recover(
    preview: Preview, folders: tuple[Path, Path]
) -> None:
    cases, templates = folders
    old = cards(preview)
    case = cases / "checkpoint-durham.toml"
    good_case = case.read_text(encoding="utf-8")
    save(case, good_case.replace('figure = "15%"', "figure = 15"))
    failed = wait_for(
        lambda: (c := cards(preview)["card/twitter/checkpoint-durham"])["status"] == "failed" and c,
        "the case error",
    )
    assert failed["problems"] == [f"{case}: outcomes[0].figure: expected a string, got int 15"]
    assert set(failed["problems"]) <= cli_messages(cases, templates)
    assert failed["day"] == 6  # keeps its place in the grid
    save(case, good_case)
    wait_for(lambda: cards(preview)["card/twitter/checkpoint-durham"]["status"] == "ok", "recovery")

    campaign = cases / "campaign.toml"
    good_campaign = campaign.read_text(encoding="utf-8")
    save(campaign, good_campaign.replace("days = 22", 'days = "22"'))
    broken = wait_for(lambda: (s := state(preview))["problems"] and s, "the campaign error")
    assert any("campaign.toml: days" in p for p in broken["problems"])
    assert all(c["status"] == "failed" for c in broken["cards"])
    save(campaign, good_campaign)
    wait_for(lambda: not state(preview)["problems"], "the campaign fix")
    wait_for(lambda: preview.wait_idle(0.1), "the recovery")
    now = cards(preview)
    assert {i: c["src"] for i, c in now.items()} == {i: c["src"] for i, c in old.items()}


def test_preview_command_prints_its_address(folders: tuple[Path, Path]) -> None:
    cases, templates = folders
    code = "from cardgen.preview import preview_cmd; preview_cmd()"
    args = ["--port", "0", "--cases", str(cases), "--templates", str(templates)]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output, match, deadline = "", None, time.monotonic() + TIMEOUT
        while not match and time.monotonic() < deadline:  # printed once the server listens
            if select.select([process.stdout], [], [], 1.0)[0]:
                line = process.stdout.readline()
                assert line, f"preview exited: {output}"
                output += line
                match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, output
        assert get(int(match[1]), "/")[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)


def test_preview_command_help_and_bad_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(preview_cmd, ["--help"])
    assert result.exit_code == 0
    for option in ("--port", "--cases", "--templates", "--host"):
        assert option in result.output
    result = CliRunner().invoke(preview_cmd, ["--cases", str(tmp_path / "missing"), "--port", "0"])
    assert result.exit_code == 2 and "does not exist" in result.output


# Files editors write next to the one being edited, and remove again.
EDITOR_FILES = (
    ".#checkpoint-durham.toml",  # Emacs lock
    "#checkpoint-durham.toml#",  # Emacs auto-save
    "checkpoint-durham.toml~",  # backup
    ".checkpoint-durham.toml.swp",  # vim swap
    ".case.twitter.svg.swx",
    "sedAbC123",  # sed -i
    "4913",  # vim's probe of a folder
    "checkpoint-durham.toml.tmp",  # a partial save
)


def test_editor_temporary_files_are_not_changes(
    preview: Preview, folders: tuple[Path, Path]
) -> None:
    cases, templates = folders
    before = state(preview)["status"]
    assert before["state"] == "idle" and before["cycle"] >= 1
    for folder in (cases, templates):
        for name in EDITOR_FILES:
            (folder / name).write_text("draft\n", encoding="utf-8")
    time.sleep(0.2)
    for folder in (cases, templates):
        for name in EDITOR_FILES:
            (folder / name).unlink()
    time.sleep(1.5)  # changes are grouped for 0.5 s at most: a round would have started
    assert state(preview)["status"]["cycle"] == before["cycle"]
    # A real save is seen at once, and alone: the watcher was listening all along.
    case = cases / "checkpoint-durham.toml"
    save(case, case.read_text(encoding="utf-8"))  # through a temporary .tmp file, renamed
    now = wait_settled(preview, after=before["cycle"])
    assert now["status"]["cycle"] == before["cycle"] + 1
    assert now["status"]["changed"] == ["checkpoint-durham.toml"]
    assert now["status"]["rendered"] == 0  # the same content: nothing to draw again
