"""Helpers for the preview tests: copies of the campaign, HTTP, SSE and a preview subprocess.

Everything here talks to a preview the way a browser or a user does: through its HTTP surface
(/api/state, /events, the PNG URLs), its command line and its process tree. Every wait is
bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cardgen

from .conftest import CASES, TEMPLATES

TIMEOUT = 60.0  # seconds for anything the server does
# A 40px square in the top-left corner: inside the safe margin, so it touches no text box.
MARK = '<rect x="0" y="0" width="40" height="40" fill="#ff00aa"/>'


# --- folders -------------------------------------------------------------------------------


def twitter_only(templates: Path) -> None:
    """Keep only the twitter format: the tests render fewer cards."""
    text = (templates / "formats.toml").read_text(encoding="utf-8")
    sections = re.split(r"(?m)^(?=\[formats\.)", text)
    kept = [
        s for s in sections if not s.startswith("[formats.") or s.startswith("[formats.twitter]")
    ]
    (templates / "formats.toml").write_text("".join(kept), encoding="utf-8")


def copy_campaign(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the shipped cases and templates (twitter only) that a test may break."""
    cases, templates = tmp_path / "cases", tmp_path / "templates"
    shutil.copytree(CASES, cases)
    shutil.copytree(TEMPLATES, templates)
    twitter_only(templates)
    return cases, templates


def save(path: Path, text: str) -> None:
    """Save as an editor does: write a temporary file, then rename it over the old one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def add_mark(template: Path) -> None:
    """Change a template visibly: a magenta square drawn last."""
    save(template, template.read_text(encoding="utf-8").replace("</svg>", MARK + "\n</svg>"))


# --- HTTP ----------------------------------------------------------------------------------

# A preview is given by its port, or anything with a ``port``: a Preview, a Served process.
Target = Any


def port_of(target: Target) -> int:
    return target if isinstance(target, int) else target.port


def get(target: Target, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """(status, headers, body) of a GET to the preview on 127.0.0.1."""
    conn = http.client.HTTPConnection("127.0.0.1", port_of(target), timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def state(target: Target) -> dict[str, Any]:
    """The page's data, as /api/state gives it."""
    status, _, body = get(target, "/api/state")
    assert status == 200
    return json.loads(body)


def cards(target: Target) -> dict[str, dict[str, Any]]:
    """The cards by id, in the page's order."""
    return {c["id"]: c for c in state(target)["cards"]}


def wait_for(check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll until ``check()`` is truthy; its value is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def settled(target: Target, after: int = 0) -> dict[str, Any] | None:
    """The state once a planning round later than cycle ``after`` is done and drew every card."""
    now = state(target)
    status = now["status"]
    done = status.get("state") == "idle" and status.get("cycle", 0) > after
    return now if done and not any(c["status"] == "pending" for c in now["cards"]) else None


def wait_settled(target: Target, after: int = 0, timeout: float = 120.0) -> dict[str, Any]:
    """Wait for :func:`settled`."""
    return wait_for(lambda: settled(target, after), f"a round after cycle {after}", timeout)


class Events:
    """A server-sent event stream read with a socket timeout."""

    def __init__(self, target: Target) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port_of(target), timeout=TIMEOUT)
        self.conn.request("GET", "/events")
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"].startswith("text/event-stream")

    def next(self) -> tuple[str, Any]:
        event, data = "message", []
        while True:
            line = self.response.fp.readline().decode()
            if not line:
                raise AssertionError("event stream closed")
            line = line.rstrip("\n")
            if not line:
                if data:
                    return event, json.loads("\n".join(data))
                continue
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())

    def until(self, check: Callable[[str, Any], bool], timeout: float = TIMEOUT) -> list:
        """Every event up to and including the first that passes ``check``."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            event, data = self.next()
            seen.append((event, data))
            if check(event, data):
                return seen
        raise AssertionError(f"no matching event in {timeout:g} s; saw {[e for e, _ in seen]}")

    def close(self) -> None:
        self.conn.close()


def card_event(card_id: str, status: str) -> Callable[[str, Any], bool]:
    """An event check: the card ``card_id`` now has ``status``."""

    def check(event: str, data: Any) -> bool:
        found = data.get("cards", []) if event in ("cards", "state") else []
        return any(c["id"] == card_id and c["status"] == status for c in found)

    return check


def reset(sock: socket.socket) -> None:
    """Close a socket abruptly: with SO_LINGER 0 the kernel sends a reset, as a browser may."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


# --- the process tree (Linux /proc) --------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time) of a process, or None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return fields[0], int(fields[19])


def descendants(pid: int) -> dict[int, tuple[int, str]]:
    """Every live descendant: pid -> (start time, command line)."""
    found: dict[int, tuple[int, str]] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                pids = [int(p) for p in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in pids:
                stat = _stat(child)
                if child in found or stat is None or stat[0] == "Z":
                    continue
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                except (FileNotFoundError, ProcessLookupError):
                    continue
                found[child] = (stat[1], cmdline.decode(errors="replace"))
                todo.append(child)
    return found


def alive(processes: dict[int, tuple[int, str]]) -> dict[int, str]:
    """Those of ``processes`` still running (a zombie or a reused pid does not count)."""
    still = {}
    for pid, (started, cmdline) in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z" and stat[1] == started:
            still[pid] = cmdline
    return still


def workers(processes: dict[int, tuple[int, str]]) -> set[int]:
    """The worker processes among ``processes`` (not the resource tracker)."""
    return {
        pid
        for pid, (_, cmdline) in processes.items()
        if "spawn_main" in cmdline and "resource_tracker" not in cmdline
    }


class Served:
    """``python -m cardgen preview --port 0`` in a subprocess; stderr goes to a file."""

    def __init__(
        self, cases: Path, templates: Path, log: Path, env: dict[str, str] | None = None
    ) -> None:
        # The subprocess imports the same cardgen as this test (a worktree, say).
        source = str(Path(cardgen.__file__).resolve().parent.parent)
        path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p)
        args = ["--port", "0", "--cases", str(cases), "--templates", str(templates)]
        self.log = log
        self._stderr = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cardgen", "preview", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1", "PYTHONPATH": path},
        )
        self.output = ""
        self.seen: dict[int, tuple[int, str]] = {}  # every descendant ever seen
        self.port = self._wait_for_address()

    def children(self) -> dict[int, tuple[int, str]]:
        """The live descendants now (and remembered, so that :meth:`close` can end them)."""
        found = descendants(self.process.pid)
        self.seen.update(found)
        return found

    def _wait_for_address(self) -> int:
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:  # printed once the server listens
            if select.select([stdout], [], [], 1.0)[0]:
                line = stdout.readline()
                assert line, f"preview exited: {self.output}{self.stderr()}"
                self.output += line
                match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if match:
                    return int(match[1])
        raise AssertionError(f"no address printed in {TIMEOUT:g} s: {self.output}{self.stderr()}")

    def stderr(self) -> str:
        self._stderr.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Send ``sig``; the exit code (or minus the signal that ended it)."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=TIMEOUT)

    def close(self) -> None:
        """Make sure nothing is left running, whatever the test did."""
        if self.process.poll() is None:
            self.children()
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
        for pid in alive(self.seen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
