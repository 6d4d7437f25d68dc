"""``cardgen preview``: a local web page showing every card, re-rendered as files change.

A watcher thread notices changes to the templates, cases and fonts; a planner thread works out
which cards they affect (by cache key) and has a pool of worker processes draw just those; the
page gets each finished card as a server-sent event and updates itself without a reload.
Problems are shown in place of the card, worded as the CLI prints them, and the server keeps
going until they are fixed. A stress row draws each case template with built-in edge cases.

- ``state.py``: the :class:`Preview`: cards, watcher, planner/renderer thread, worker pool;
- ``worker.py``: what runs in the worker processes;
- ``stress.py``: the stress cases and their jobs (:func:`stress.stress_jobs`);
- ``server.py``: the HTTP handler, the event hub and the page's static files;
- ``command.py``: the ``cardgen preview`` command.
"""

from .command import preview_cmd
from .state import Preview
from .stress import STRESS

__all__ = ["STRESS", "Preview", "preview_cmd"]
