"""`cardgen pack`: the sign-off PDF, parsed back with pypdf: its pages, every title in full,
the cards as vectors, the approval statuses, long posts over several pages, determinism."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cardgen.model import case_paths
from cardgen.pack import PAGE_H, PAGE_W, pack_cmd, write_pack
from cardgen.project import Project

from .conftest import CASES, MINIMAL_CASE, english_only

pypdf = pytest.importorskip("pypdf")


@dataclass
class Status:
    """A sign-off status as cardgen.signoff gives it."""

    state: str
    by: str | None = None
    at: str | None = None
    changed: list[str] = field(default_factory=list)


STATUS = {
    "living-well-collaborative-lambeth": Status(
        "approved", by="Press office", at="2026-12-01T09:30:00+00:00"
    ),
    "launch": Status(
        "changed", by="Press office", at="2026-11-30T16:00:00Z", changed=["post text"]
    ),
    "summary": Status("not approved"),
}


def flat(text: str) -> str:
    """Whitespace collapsed: a title wrapped over lines reads as one."""
    return " ".join(text.split())


def case_titles() -> dict[str, str]:
    return {
        p.stem: tomllib.loads(p.read_text(encoding="utf-8"))["title"] for p in case_paths(CASES)
    }


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, list[str]]:
    """The shipped campaign's pack (with some approvals), its reader and each page's text."""
    out = tmp_path_factory.mktemp("pack-out")
    project = Project.open(cases=CASES)
    report = write_pack(project, out, out / "pack.pdf", status=STATUS)
    assert report.path == out / "pack.pdf" and report.bytes == report.path.stat().st_size
    reader = pypdf.PdfReader(report.path)
    assert report.pages == len(reader.pages)
    return out, reader, [page.extract_text() for page in reader.pages]


def card_pages(texts: list[str]) -> dict[str, int]:
    """The first page of each card, by its heading ("Day 3 · Thursday 27 August 2015")."""
    found = {}
    for i, text in enumerate(texts):
        first = text.strip().splitlines()[0] if text.strip() else ""
        if re.match(r"^(Launch|Summary|Day \d+) · ", first) and "(continued)" not in first:
            found.setdefault(first, i)
    return found


def test_pages_are_a4_landscape_cover_schedule_and_one_per_card(shipped) -> None:
    _, reader, texts = shipped
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == (PAGE_W, PAGE_H)
    assert "Sign-off pack" in texts[0] and "Better commissioning" in texts[0]
    schedule = [i for i, t in enumerate(texts) if t.lstrip().startswith("Schedule")]
    assert schedule and schedule[0] == 1
    # Launch, 22 cases and the summary, and the Welsh and bilingual versions of the launch and
    # of day 7 (Gwynedd): a page each at least, after the cover and schedule.
    cards = card_pages(texts)
    assert len(cards) == 28
    assert len(reader.pages) >= 1 + len(schedule) + 28
    assert "Day 3 · Thursday 27 August 2015" in cards
    assert [h for h in cards if h.startswith("Day 7 ·")] == [
        "Day 7 · Monday 31 August 2015",
        "Day 7 · Monday 31 August 2015 · Welsh",
        "Day 7 · Monday 31 August 2015 · Welsh and English",
    ]
    welsh = flat(texts[cards["Day 7 · Monday 31 August 2015 · Welsh"]])
    assert "Neuadd bentref yn Llŷn yn nwylo’r gymuned sy’n ei defnyddio" in welsh
    assert "Dolen yn y bio." in welsh  # its own posts, in Welsh
    assert min(cards.values()) == 1 + len(schedule)
    # A bookmark per card, and for the cover and the schedule.
    assert len(reader.outline) == 2 + 28


def test_cover_counts_posts_and_approvals(shipped) -> None:
    _, _, texts = shipped
    cover = flat(texts[0])
    assert "Department for Communities and Local Government" in cover
    assert "#bettercommissioning" in cover
    assert "Tuesday 25 August 2015 to Tuesday 15 September 2015: 22 days" in cover
    assert "196: 28 cards on 7 platforms" in cover
    assert "1 approved · 26 not approved · 1 changed since approval" in cover


def test_every_title_in_full(shipped) -> None:
    _, _, texts = shipped
    schedule = flat(" ".join(t for t in texts if t.lstrip().startswith("Schedule")))
    everything = flat(" ".join(texts))
    for slug, title in case_titles().items():
        assert flat(title) in schedule, slug
        assert flat(title) in everything, slug
    cards = card_pages(texts)
    page = flat(texts[cards["Day 3 · Thursday 27 August 2015"]])
    assert "Lambeth’s alliance contract puts people with mental illness in charge of recovery" in (
        page
    )


def test_card_pages_hold_the_card_as_vectors(shipped) -> None:
    _, reader, texts = shipped
    cards = card_pages(texts)
    day3 = cards["Day 3 · Thursday 27 August 2015"]
    # Words only the card itself carries: drawn as text, not as pixels.
    assert "Day 3 of 22" in flat(texts[day3])
    # The only picture on a card page is a case's photo (days 1, 15 and 21 carry one).
    with_photo = {h for h in cards if h.startswith(("Day 1 ·", "Day 15 ·", "Day 21 ·"))}
    assert len(with_photo) == 3
    for heading, number in cards.items():
        assert len(reader.pages[number].images) == (heading in with_photo), heading
    launch = next(i for heading, i in cards.items() if heading.startswith("Launch"))
    assert "better value for money" in texts[launch]


def test_a_card_page_has_posts_counts_alt_link_and_status(shipped) -> None:
    _, _, texts = shipped
    cards = card_pages(texts)
    page = flat(texts[cards["Day 3 · Thursday 27 August 2015"]])
    assert "X 165/280 · Bluesky 218/300" in page  # the same words on both: shown once
    assert "Instagram 343/2,200" in page
    assert "Link in bio. #bettercommissioning" in page
    assert "ALT TEXT · 314 characters" in page
    assert "Case study card: Lambeth’s alliance contract" in page
    assert "https://www.gov.uk/government/case-studies/living-well-collaborative-lambeth" in page
    assert "approved by Press office on 1 December 2026" in page
    assert "Signed" in page and "Date" in page
    launch = flat(texts[min(cards.values())])
    assert "changed since approval: post text (approved by Press office on 30 November 2026)" in (
        launch
    )
    summary = next(i for heading, i in cards.items() if heading.startswith("Summary"))
    assert "not approved" in texts[summary]
    other = flat(texts[cards["Day 4 · Friday 28 August 2015"]])
    assert "not approved" in other  # a card missing from the statuses is not approved


def test_the_same_inputs_give_the_same_bytes(shipped, tmp_path) -> None:
    out, _, _ = shipped
    project = Project.open(cases=CASES)
    first = write_pack(project, out, tmp_path / "a.pdf", status=STATUS)
    second = write_pack(project, out, tmp_path / "b.pdf", status=STATUS)
    assert first.path.read_bytes() == second.path.read_bytes()
    # A fixed creation date (cairo 1.16 writes it without the "D:" prefix that later add).
    assert re.search(rb"/CreationDate \((D:)?20000101000000", first.path.read_bytes())


def test_the_command_writes_out_pack_pdf(runner, shipped) -> None:
    out, _, _ = shipped
    result = runner.invoke(pack_cmd, ["--cases", str(CASES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r".*pack\.pdf: \d+ pages, [\d.]+ (kB|MB) in [\d.]+ s\n", result.output, re.DOTALL
    )
    text = flat(" ".join(p.extract_text() for p in pypdf.PdfReader(out / "pack.pdf").pages))
    # The shipped campaign requires sign-off and approves every card: the pack says so.
    assert "28 approved · 0 not approved · 0 changed since approval" in text
    assert "approved by cardgen maintainers (placeholder cases)" in text


def test_pages_render(shipped, tmp_path) -> None:
    out, _, texts = shipped
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    day3 = card_pages(texts)["Day 3 · Thursday 27 August 2015"]
    for number in (1, 2, day3 + 1):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", "-f", str(number), "-l", str(number), "-singlefile",
             str(out / "pack.pdf"), str(tmp_path / f"page{number}")],
            check=True,
        )  # fmt: skip
        from PIL import Image

        with Image.open(tmp_path / f"page{number}.png") as image:
            assert image.size == (round(PAGE_W * 40 / 72), round(PAGE_H * 40 / 72))
            assert image.convert("L").getextrema()[0] < 64  # something dark is drawn


# --- long posts, emoji, a card that cannot be made --------------------------------------------

LONG_TITLE = (
    "A title far too long for any card, written to see that the sign-off pack prints it in "
    "full however long it is: it wraps onto as many lines as it needs, in the schedule and on "
    "its own page, and no word of it is ever cut or dropped along the way to the end"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A campaign with one case whose own posts are long (and carry emoji) and one whose
    title is too long for its card: the pack's text, and the words of the long post."""
    root = tmp_path_factory.mktemp("pack-hostile")
    cases = root / "cases"
    cases.mkdir()
    (cases / "campaign.toml").write_text(
        english_only((CASES / "campaign.toml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    sentence = "Every sentence of this long post must reach the page, none of it clipped. "
    long_post = f"Thanks to all 🎉👍🏽\n\n{sentence * 36}".strip()
    (cases / "long.toml").write_text(
        "day = 1\n"
        + MINIMAL_CASE.replace("[[outcomes]]", f"[posts]\nlinkedin = '''{long_post}'''\n"
                               f"facebook = '''{long_post} Facebook.'''\n\n[[outcomes]]"),
        encoding="utf-8",
    )  # fmt: skip
    (cases / "huge.toml").write_text(
        "day = 2\n" + MINIMAL_CASE.replace('"A short title"', f'"{LONG_TITLE}"'),
        encoding="utf-8",
    )
    out = root / "out"
    report = write_pack(Project.open(cases=cases), out, out / "pack.pdf")
    assert report.problems  # the long title: its card cannot be made, which the build says
    reader = pypdf.PdfReader(report.path)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (PAGE_W, PAGE_H)
    texts = [page.extract_text() for page in reader.pages]
    return "\n".join(texts), sentence


def test_long_posts_go_on_over_more_pages_whole(hostile) -> None:
    text, sentence = hostile
    assert "Day 1 · Tuesday 25 August 2015 (continued)" in text
    # Every one of the 36 sentences, twice (LinkedIn, Facebook), wherever the lines broke.
    assert flat(text).count(flat(sentence)) >= 36 * 2 - 2  # a sentence split over two pages
    assert flat(text).count("none of it clipped.") == 36 * 2
    # Emoji the bundled fonts cannot draw are named, not dropped.
    assert "[PARTY POPPER]" in flat(text)
    assert "[THUMBS UP SIGN][EMOJI MODIFIER FITZPATRICK TYPE-4]" in flat(text)


def test_a_title_too_long_for_its_card_is_printed_in_full(hostile) -> None:
    text, _ = hostile
    assert flat(text).count(flat(LONG_TITLE)) >= 2  # the schedule and its page
    assert "The card could not be made" in text
    assert "no case scheduled" in text  # the campaign's other days
