"""A small HTTPS receiver for CMM: ``POST /packets`` with the packet file as the body; the answer
is CMM's signed receipt (200 accepted or duplicate, 422 refused, 413 too large).

Requests are handled one at a time (the store is one SQLCipher connection). Meant for a
loopback or internal address behind CMM's own front end; the certificate is CMM's, and NGOs pin
its SHA-256 fingerprint.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from fieldapp.cmm.intake import Intake
from fieldapp.protocol.crypto import MAX_PACKET_BYTES

PATH = "/packets"


class _Handler(BaseHTTPRequestHandler):
    server: IntakeServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != PATH:
            self._answer(404, b"")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._answer(411, b"")
            return
        if length < 0 or length > MAX_PACKET_BYTES:
            self.close_connection = True
            self._answer(413, b"")
            return
        data = self.rfile.read(length)
        with self.server.lock:
            outcome = self.server.intake.receive_one(data, "https")
        self._answer(outcome.http_status, outcome.http_body)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(405, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        """No access log: addresses of NGOs' laptops are not CMM's business."""


class IntakeServer(HTTPServer):
    def __init__(self, intake: Intake, host: str, port: int, certfile: Path, keyfile: Path) -> None:
        super().__init__((host, port), _Handler)
        self.intake = intake
        self.lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certfile), str(keyfile))
        self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def port(self) -> int:
        return self.server_address[1]


def certificate_fingerprint(certfile: Path) -> str:
    """SHA-256 of the certificate (DER) — what NGOs pin."""
    der = ssl.PEM_cert_to_DER_cert(Path(certfile).read_text(encoding="ascii"))
    return hashlib.sha256(der).hexdigest()
