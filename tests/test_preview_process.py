"""`cardgen preview` as a real process: how it stops, and what a closed browser leaves behind.

Each test runs ``python -m cardgen preview --port 0`` on copies of the campaign (twitter only)
and watches it from outside: its output, its HTTP surface and its process tree in /proc.
"""

from __future__ import annotations

import shutil
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .preview_support import (
    TIMEOUT,
    Events,
    Served,
    alive,
    cards,
    copy_campaign,
    get,
    reset,
    save,
    state,
    wait_for,
    wait_settled,
    workers,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process tree from /proc"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A preview subprocess that has drawn every card."""
    preview = Served(*copy_campaign(tmp_path), log=tmp_path / "stderr.txt")
    try:
        wait_settled(preview)
        preview.children()
        yield preview
    finally:
        preview.close()


def tree(served: Served) -> dict[int, tuple[int, str]]:
    """The preview's descendants, checked to hold workers and the resource tracker."""
    found = served.children()
    commands = [cmdline for _, cmdline in found.values()]
    assert workers(found), commands
    assert any("resource_tracker" in c for c in commands), commands
    return found


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_a_signal_stops_the_preview_and_all_its_children(served: Served, sig: int) -> None:
    children = tree(served)
    started = time.monotonic()
    assert served.stop(sig) == 0, served.stderr()
    wait_for(lambda: not alive(children), "the workers and the resource tracker to end", 30)
    print(f"{signal.Signals(sig).name}: stopped in {time.monotonic() - started:.2f} s")
    assert "stopping" in served.process.stdout.read()
    assert "Traceback" not in served.stderr()


def test_workers_end_when_the_preview_is_killed(served: Served) -> None:
    # SIGKILL cannot be caught: the workers notice that their parent is gone and end, and
    # then the resource tracker, whose last client has gone, ends too.
    children = tree(served)
    assert served.stop(signal.SIGKILL) == -signal.SIGKILL
    wait_for(lambda: not alive(children), "the orphaned workers and resource tracker to end", 30)


def test_a_closed_connection_logs_nothing(served: Served, tmp_path: Path) -> None:
    listed = cards(served)
    png = listed["card/twitter/launch"]["src"]
    host = f"Host: 127.0.0.1:{served.port}\r\n"

    # A request cut off in its headers, a whole request whose answer is never read, and a
    # kept-alive connection reset after one answer: each closed with a reset.
    partial = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    partial.sendall(f"GET {png} HTTP/1.1\r\n{host}".encode())
    unread = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    unread.sendall(f"GET {png} HTTP/1.1\r\n{host}\r\n".encode())
    kept = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    kept.sendall(f"GET /api/state HTTP/1.1\r\n{host}\r\n".encode())
    assert kept.recv(100).startswith(b"HTTP/1.1 200")
    time.sleep(0.3)  # the server is now reading the next request on each
    for sock in (partial, unread, kept):
        reset(sock)

    # An event stream whose page went away: the server finds out on its next event.
    stream = socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT)
    stream.sendall(f"GET /events HTTP/1.1\r\n{host}\r\n".encode())
    assert stream.recv(100).startswith(b"HTTP/1.1 200")
    reset(stream)
    cycle = state(served)["status"]["cycle"]
    case = tmp_path / "cases" / "checkpoint-durham.toml"
    save(case, case.read_text(encoding="utf-8"))  # a round of planning: events for every page
    wait_settled(served, after=cycle)
    events = Events(served)  # another page still gets its events
    try:
        assert events.next()[0] == "state"
    finally:
        events.close()
    assert get(served, "/")[0] == 200
    time.sleep(0.5)  # let the handler threads finish with the reset connections
    assert served.stop() == 0
    log = served.stderr()
    assert "Traceback" not in log and "Error" not in log, log


def test_a_font_change_restarts_the_workers(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    shutil.copytree(Path(__file__).resolve().parent.parent / "fonts", fonts)
    preview = Served(
        *copy_campaign(tmp_path), log=tmp_path / "stderr.txt", env={"CARDGEN_FONTS": str(fonts)}
    )
    try:
        old = wait_settled(preview)
        assert str(fonts) in old["watching"]
        before = workers(preview.children())
        assert before
        font = fonts / "AtkinsonHyperlegibleNext_400Regular.ttf"
        font.write_bytes(font.read_bytes())  # saved again, unchanged
        now = wait_settled(preview, after=old["status"]["cycle"])
        assert now["status"]["changed"] == [font.name]
        # Unchanged fonts: the same images (the keys hash the font files' contents).
        assert {c["id"]: c["src"] for c in now["cards"]} == {
            c["id"]: c["src"] for c in old["cards"]
        }
        # New workers draw: the debug overlay is rendered on demand, by the pool.
        src = next(c["src"] for c in now["cards"] if c["id"] == "card/twitter/launch")
        status, _, debug = get(preview, src + "&debug=1")
        assert status == 200 and debug.startswith(b"\x89PNG")
        wait_for(
            lambda: (now := workers(preview.children())) and not now & before,
            "only new workers",
        )
        assert preview.stop() == 0
        assert "Traceback" not in preview.stderr()
    finally:
        preview.close()
