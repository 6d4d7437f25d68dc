"""The preview's HTTP side: the page and its files, the card images, the state, the events.

Served with the standard library's threaded ``http.server``. Open pages get server-sent events
through a :class:`Hub`. A browser that closes a connection (a reload, a closed tab, an image
no longer needed) is normal, so it is not reported.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from .state import Preview

# The page: plain HTML, CSS and JavaScript, nothing fetched from the network. The folder stays
# beside the package (cardgen/preview_static/) as the packaging's package-data names it.
STATIC_DIR = Path(__file__).resolve().parent.parent / "preview_static"
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
KEEPALIVE_S = 15.0  # an SSE comment this often finds closed connections
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Hub:
    """Server-sent event subscribers: one queue per open page."""

    def __init__(self) -> None:
        self._queues: set[queue.Queue[bytes | None]] = set()
        self._lock = threading.Lock()

    def subscribe(self, first: bytes) -> queue.Queue[bytes | None]:
        """A new page's queue, starting with ``first``."""
        q: queue.Queue[bytes | None] = queue.Queue()
        q.put(first)
        with self._lock:
            self._queues.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[bytes | None]) -> None:
        """Forget a closed page."""
        with self._lock:
            self._queues.discard(q)

    def publish(self, message: bytes) -> None:
        """Send to every page."""
        with self._lock:
            for q in self._queues:
                q.put(message)

    def close(self) -> None:
        """End every stream."""
        with self._lock:
            for q in self._queues:
                q.put(None)
            self._queues.clear()


def sse(event: str, data: Any) -> bytes:
    """One server-sent event."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


class Server(ThreadingHTTPServer):
    """A threaded HTTP server for one preview; a connection the client closed is no error."""

    daemon_threads = True  # an open event stream must not keep the process alive

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback for any exception in a handler. A reset or broken
        # connection (the browser closed a page or dropped an image it no longer needs) is
        # normal; anything else is a bug and keeps its traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """The page, its script and styles, the card images, the state and the event stream."""

    server: Server
    server_version = "cardgen-preview"
    protocol_version = "HTTP/1.1"

    @property
    def preview(self) -> Preview:
        return self.server.preview

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would drown the change log

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if not self._host_allowed():
            return self._send(HTTPStatus.FORBIDDEN, b"unexpected Host header\n", "text/plain")
        if url.path in STATIC_FILES:
            name, mime = STATIC_FILES[url.path]
            return self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), mime)
        if url.path == "/api/state":
            body = json.dumps(self.preview.state(), ensure_ascii=False).encode()
            return self._send(HTTPStatus.OK, body, "application/json")
        if url.path == "/events":
            return self._events()
        if url.path.endswith(".png"):
            return self._image(url.path[1:-4], parse_qs(url.query))
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _host_allowed(self) -> bool:
        # A page on another site must not reach this server through a rebound DNS name.
        if self.preview.host not in LOOPBACK:
            return True
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in LOOPBACK

    def _send(self, status: HTTPStatus, body: bytes, mime: str, cache: str = "no-cache") -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        if mime.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def _image(self, card_id: str, query: dict[str, list[str]]) -> None:
        if query.get("debug") == ["1"]:
            try:
                png = self.preview.debug_image(card_id)
            except Exception as exc:
                body = f"cannot draw the debug overlay: {exc}\n".encode()
                return self._send(HTTPStatus.SERVICE_UNAVAILABLE, body, "text/plain")
            if png is None:
                return self._send(HTTPStatus.NOT_FOUND, b"no such card\n", "text/plain")
            return self._send(HTTPStatus.OK, png, "image/png")
        found = self.preview.image(card_id)
        if found is None:
            return self._send(HTTPStatus.NOT_FOUND, b"no such card\n", "text/plain")
        png, sha = found
        # A versioned URL names one image for ever; any other URL must be checked again.
        fixed = query.get("v") == [sha[:12]]
        cache = "max-age=31536000, immutable" if fixed else "no-cache"
        self._send(HTTPStatus.OK, png, "image/png", cache)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        events = self.preview.subscribe()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    message = events.get(timeout=KEEPALIVE_S)
                except queue.Empty:
                    message = b": keep-alive\n\n"
                if message is None:
                    return
                self.wfile.write(message)
                self.wfile.flush()
        finally:
            self.preview.unsubscribe(events)
