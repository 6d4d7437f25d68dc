"""The ``cardgen preview`` command: start a preview, serve until stopped, then stop everything.

Every way of stopping ends the workers too: Ctrl-C (SIGINT), ``kill`` (SIGTERM) and a closed
terminal (SIGHUP) shut the preview down in order; if the process dies without that chance
(``kill -9``), its workers notice and end themselves (see ``worker.py``).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from ..cli import project_options
from ..project import Project
from .server import LOOPBACK
from .state import Preview

F = TypeVar("F", bound=Callable[..., Any])
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, kill, a closed terminal


@click.command("preview")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any other than 127.0.0.1 shows the cards to your network.",
)
@project_options
def preview_cmd(port: int, host: str, project: Project) -> None:
    """Live preview: every card of every format in the browser, redrawn as you edit.

    Watches the templates, the cases and the fonts and draws again only the cards a change
    affects; the open page updates itself. Problems appear in place of their card, worded as
    `cardgen build` prints them. A stress row shows each case template with edge cases.
    Stop with Ctrl-C.

    \b
    Examples:
      cardgen preview
      cardgen preview --port 8080 --templates my_templates/
    """
    if not project.cases_dir.is_dir():  # a preview of nothing would wait for ever
        shown = project.display(project.cases_dir)
        raise click.BadParameter(f"{shown} does not exist", param_hint="--cases")
    preview = Preview(project, host=host, port=port, log=click.echo)
    # SIGTERM and SIGHUP stop the preview as Ctrl-C does: by raising KeyboardInterrupt.
    with _on_signals(signal.default_int_handler):
        try:
            try:
                url = preview.start()
            except OSError as exc:
                raise click.ClickException(
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                    "try another --port (0 picks a free one)"
                ) from None
            if host not in LOOPBACK:
                warning = f"warning: listening on {host}: your network can see these cards"
                click.echo(warning, err=True)
            watching = ", ".join(
                project.display(p) + "/" * p.is_dir() for p in preview.watched if p.exists()
            )
            click.echo(f"cardgen preview: {url}  (watching {watching}; Ctrl-C to stop)")
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            preview.log("stopping")
        finally:
            # A second signal must not cut the shutdown short: the workers are being stopped.
            with _on_signals(signal.SIG_IGN):
                preview.stop()


@contextlib.contextmanager
def _on_signals(handler: Any) -> Iterator[None]:
    """Handle SIGINT, SIGTERM and SIGHUP with ``handler`` while the block runs.

    Only the main thread may set handlers; called from another, the caller's stay.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in before.items():
            signal.signal(s, old)
