"""A plain HTTP server on loopback standing in for gunicorn behind nginx (the deploy and bench tests)."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def html_upstream(pages):
    """Serve ``pages`` ({path: bytes}) as text/html (b"ok" for any other path); yields the port."""

    class App(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, b"ok")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
