"""Sign-off: approvals bound to what was approved, DRAFT until approved, `today` refusing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from .conftest import run

NEW = ["--name", "Care Leavers Week", "--start", "2026-10-26", "--days", "5"]
DRAFT_RED = (212, 53, 28)


@pytest.fixture
def project(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new project with sign-off required, the working folder inside it."""
    monkeypatch.chdir(tmp_path)
    assert run(runner, "new", "p", *NEW).exit_code == 0
    folder = tmp_path / "p"
    with (folder / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write("\n[sign_off]\nrequired = true\n")
    monkeypatch.chdir(folder)
    return folder


def top_left(path: Path) -> tuple[int, int, int]:
    return Image.open(path).convert("RGB").getpixel((20, 20))


def test_approve_edit_and_approve_again(runner, project: Path) -> None:
    slug, card = "example-home-care", project / "out/twitter/example-home-care.png"
    assert run(runner, "build", "-q").exit_code == 0
    assert top_left(card) == DRAFT_RED, "not approved: drawn DRAFT"
    refused = run(runner, "today", "--date", "2026-10-27")
    assert refused.exit_code == 1
    assert f"day 2 is not approved (not approved): cardgen approve {slug}" in refused.stderr

    approved = run(runner, "approve", slug, "--by", "Press office", "--note", "ok")
    assert approved.exit_code == 0, approved.stderr
    assert approved.output.strip() == f"approved {slug} (og, outcomes, portrait, square, twitter)"
    assert "approved by Press office on " in run(runner, "status").output
    assert run(runner, "today", "--date", "2026-10-27").exit_code == 0
    clean = card.read_bytes()
    assert top_left(card) != DRAFT_RED

    case = project / "cases" / f"{slug}.toml"
    case.write_text(case.read_text().replace("before people leave", "before older people leave"))
    status = run(runner, "status").output
    line = next(x for x in status.splitlines() if "changed since approval:" in x)
    assert line.endswith("card, post text"), "the cards first, then the words"
    assert "alt text" not in status.split(slug)[0].splitlines()[-1]
    assert run(runner, "build", "-q").exit_code == 0
    assert top_left(card) == DRAFT_RED
    again = run(runner, "today", "--date", "2026-10-27", "--json")
    assert again.exit_code == 1 and "changed since approval" in again.stderr
    assert json.loads(again.stdout)["approval"].startswith("changed since approval")

    case.write_text(case.read_text().replace("before older people leave", "before people leave"))
    assert run(runner, "build", "-q").exit_code == 0
    assert card.read_bytes() == clean, "back as approved: the approval holds again"


def test_today_refuses_a_day_when_any_platform_s_image_changed(runner, project: Path) -> None:
    """The desk shows every platform's image: a change to one format's card is enough."""
    assert run(runner, "approve", "--all", "--yes", "--by", "x").exit_code == 0
    assert run(runner, "today", "--date", "2026-10-27").exit_code == 0
    assert run(runner, "templates", "copy", "case.twitter.svg").exit_code == 0
    template = project / "templates" / "case.twitter.svg"
    text = template.read_text()
    assert 'id="top-band" x="0" y="0" width="1200" height="12"' in text
    template.write_text(text.replace('width="1200" height="12"', 'width="1200" height="13"', 1))
    for platforms in ([], ["--platform", "x"], ["--platform", "linkedin", "--platform", "x"]):
        refused = run(runner, "today", "--date", "2026-10-27", *platforms)
        assert refused.exit_code == 1, platforms
        assert "day 2 is not approved (changed since approval: the twitter card):" in (
            refused.stderr
        )
    assert run(runner, "today", "--date", "2026-10-27", "--platform", "linkedin").exit_code == 0


def test_an_approved_card_is_the_card_without_sign_off(runner, project: Path) -> None:
    assert run(runner, "approve", "--all", "--yes", "--by", "x").exit_code == 0
    assert run(runner, "build", "-q").exit_code == 0
    signed = {p.name: p.read_bytes() for p in (project / "out/twitter").glob("*.png")}
    campaign = project / "campaign.toml"
    campaign.write_text(campaign.read_text().replace("required = true", "required = false"))
    assert run(runner, "build", "-q", "--out", "plain").exit_code == 0
    plain = {p.name: p.read_bytes() for p in (project / "plain/twitter").glob("*.png")}
    assert signed == plain and len(plain) == 3


def test_a_card_that_does_not_build_cannot_be_approved(runner, project: Path) -> None:
    case = project / "cases" / "example-home-care.toml"
    case.write_text(case.read_text().replace('figure = "35%"', 'figure = "35% and rising fast"'))
    result = run(runner, "approve", "example-home-care")
    assert result.exit_code == 1
    assert result.stderr.startswith("example-home-care does not build, so it cannot be approved:")
    assert "outcomes[0].figure: too long" in result.stderr
    assert not (project / "approvals.toml").exists()


def test_a_broken_approvals_file_is_reported_line_by_line(runner, project: Path) -> None:
    assert run(runner, "approve", "launch", "--by", "x").exit_code == 0
    path = project / "approvals.toml"
    good = path.read_text()
    path.write_text(
        good + '\n[ghost]\nby = "y"\nat = "z"\n\n[odd]\nby = "y"\nat = "z"\ncolour = 1\n'
    )
    result = run(runner, "status")
    assert result.exit_code == 1
    assert "approvals.toml: odd: unknown key 'colour'" in result.stderr
    assert "approvals.toml: ghost: approves a card that does not exist" in result.stderr
    assert "approved by x" in result.output, "the rest is still read"
    path.write_text("this is [ not toml")
    result = run(runner, "status")
    assert "approvals.toml: cannot be read" in result.stderr and result.exit_code == 1
    assert run(runner, "revoke", "launch").exit_code == 1


def test_two_approvals_at_once_lose_neither(project: Path) -> None:
    command = [sys.executable, "-m", "cardgen", "approve"]
    slugs = ["example-home-care", "example-community-hub", "launch"]
    running = [
        subprocess.Popen([*command, slug, "--by", slug], cwd=project, stderr=subprocess.PIPE)
        for slug in slugs
    ]
    assert all(p.wait(timeout=120) == 0 for p in running)
    text = (project / "approvals.toml").read_text()
    assert all(f"[{slug}]" in text for slug in slugs)


def test_revoke(runner, project: Path) -> None:
    assert run(runner, "approve", "launch", "--by", "x").exit_code == 0
    assert run(runner, "revoke", "launch").output.strip() == "revoked launch"
    assert "[launch]" not in (project / "approvals.toml").read_text()


def test_a_release_adding_a_word_of_its_own_voids_no_approval(
    runner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cardgen's own words (the `t` table every card's context holds) belong to its version,
    # like the rendering libraries': a release that adds one keeps every approval.
    from cardgen import language

    assert run(runner, "approve", "--all", "--yes", "--by", "Press office").exit_code == 0
    for words in language.UI.values():
        monkeypatch.setitem(words, "new_word", "a word a later release adds")
    result = run(runner, "status")
    assert result.exit_code == 0, result.stderr
    assert "changed" not in result.stdout and "not approved" not in result.stdout
    # What a card shows is still bound: the day line, as drawn, changes with its words.
    monkeypatch.setitem(language.UI["en"], "day", "Case {day} of {days}")
    assert "changed since approval: the twitter card" in run(runner, "status").stdout
