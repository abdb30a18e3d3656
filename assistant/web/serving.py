"""Starting the web chat cleanly: a port in use is one line naming `--port`; the login page has a title.

No Gradio here (ui.py passes `PageTitle` to the FastAPI app Gradio builds, through `launch(app_kwargs=...)`).
"""

from __future__ import annotations

import html
import signal
import socket


def port_free(host: str, port: int) -> bool:
    """Whether the chat can listen on host:port (Gradio's own error names GRADIO_SERVER_PORT, not --port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return True  # an unknown host is Gradio's to report
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is free
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def listen_for_ctrl_c() -> None:
    """Make Ctrl-C raise KeyboardInterrupt even when SIGINT came in ignored. A shell script's background
    job (`scripts/run &`, a CI step, a test runner started with `&`) inherits SIGINT as ignored, and Python
    then installs no handler of its own: the chat would not stop on Ctrl-C, nor exit 130 as the README says."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def port_in_use(host: str, port: int) -> str:
    return (f"error: port {port} on {host} is in use (is the chat already running?); "
            f"start it on another one with --port, e.g. --port {port + 1}")


class PageTitle:
    """ASGI middleware: an HTML page without a <title> gets one (WCAG 2.4.2). Gradio's login page has none:
    the app's title comes with its config, which a visitor who has not logged in does not get."""

    def __init__(self, app, title: str = "") -> None:
        self.app, self.title = app, f"<title>{html.escape(title)}</title>".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        start: dict = {}
        body: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    start["pass"] = True
                    return await send(message)
                start.update(message)
                return None
            if start.get("pass") or message["type"] != "http.response.body":
                return await send(message)
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            page = b"".join(body)
            if b"<title" not in page[:4000] and b"<head>" in page:
                page = page.replace(b"<head>", b"<head>" + self.title, 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(page)).encode())]})
            return await send({"type": "http.response.body", "body": page})

        return await self.app(scope, receive, capture)
