"""Delivering sealed packets: to a folder (USB stick, shared drive) or by HTTPS POST to CMM.

A transport raises ``TransportError`` when a packet did not get there; the packet then stays
queued. ``fatal`` on the error means the next packets would fail the same way (folder missing,
server unreachable, wrong certificate), so the sync stops trying for this run.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import http.client
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from fieldapp.cancel import NEVER, CancelToken
from fieldapp.i18n import _
from fieldapp.protocol import receipt, reply
from fieldapp.protocol.crypto import MAX_PACKET_BYTES
from fieldapp.protocol.files import PACKET_SUFFIX, RECEIPT_SUFFIX
from fieldapp.protocol.reasons import Rejected
from fieldapp.protocol.reply import MAX_BUNDLE_BYTES
from fieldapp.protocol.reply import SUFFIX as REPLY_SUFFIX
from fieldapp.referral.errors import TransportError
from fieldapp.storage.untrusted_dir import FolderRefused, UntrustedFolder

MAX_BACKOFF_S = 8.0
REPLIES_FOLDER = "replies"      # CMM's replies, beside the packets on the stick
# Write errors that concern one file name (a folder or link planted there), not the folder or the disk.
_ONE_NAME_ONLY = frozenset({errno.EISDIR, errno.EEXIST, errno.ENOTDIR, errno.ELOOP, errno.ENOTEMPTY})


class DeliveryFailed(TransportError):
    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


def _hand_over(folder: UntrustedFolder, suffix: str, take: Callable[[bytes], object]) -> bool:
    """Each plain file ``*suffix`` of ``folder`` (at most ``MAX_PACKET_BYTES``, read one at a time) to ``take``,
    then the folder closed; True when it held more such files than one run looks at."""
    with folder:
        listing = folder.names(suffix)
        for name in listing.names:
            try:
                raw = folder.read(name, MAX_PACKET_BYTES)
            except OSError:
                continue
            take(raw)
    return listing.more


class FolderTransport:
    """Packets written to a folder on a stick or a shared drive, CMM's receipts read back from it.

    Everything on the stick is hostile: the folder and its receipts folder are never used through a link
    (refused with a reason, and nothing is written or read), and a receipt file is read only if it is a
    regular file of at most ``MAX_PACKET_BYTES``, one at a time (``UntrustedFolder``).

    Whoever carries the stick sees the files, not what is in them: a run writes its packets in random
    order (``shuffled``) and every file of the run carries the same time (the hour the run began), so
    neither the order in the folder nor the times say which packet was urgent."""

    name = "folder"
    shuffled = True

    def __init__(self, folder: Path, receipts: Path | None = None) -> None:
        self.folder = Path(folder)
        self.stamp = float(int(time.time()) // 3600 * 3600)
        self.receipts_folder = Path(receipts) if receipts else self.folder / "receipts"
        self._own_receipts = receipts is None

    def check(self) -> None:
        if not self.folder.is_dir() or not os.access(self.folder, os.W_OK | os.X_OK):
            raise self._missing()
        with self._open():
            pass
        with contextlib.suppress(FileNotFoundError), self._open_receipts():
            pass

    def deliver(self, packet_id: str, data: bytes) -> bytes | None:
        """Write ``<packet_id>.cmmpkt`` whole or not at all; CMM answers later with a receipt file."""
        self.check()
        with self._open() as folder:
            try:
                folder.write(f"{packet_id}{PACKET_SUFFIX}", data, mode=0o644, mtime=self.stamp)
            except OSError as exc:
                if exc.errno in _ONE_NAME_ONLY:      # something planted at this packet's name: the others can go
                    raise DeliveryFailed(_("Something on the stick is in the way of this packet's file name. It "
                                           "stays in the outbox.")) from exc
                raise DeliveryFailed(_("The packet could not be written to {folder} (is the disk full?). It "
                                       "stays in the outbox.").format(folder=self.folder), fatal=True) from exc
        return None

    def read_replies(self, take: Callable[[bytes], object]) -> bool:
        """Hand each of CMM's reply files in ``<folder>/replies`` (raw, not yet trusted) to ``take``, by the same
        rules as receipts; a missing folder holds none."""
        if not self.folder.is_dir():
            return False
        try:
            with UntrustedFolder.open(self.folder) as stick:
                folder = stick.subfolder(REPLIES_FOLDER)
        except FolderRefused as refused:
            raise _refused(refused) from refused
        return False if folder is None else _hand_over(folder, REPLY_SUFFIX, take)

    def read_receipts(self, take: Callable[[bytes], object]) -> bool:
        """Hand each receipt file (raw, not yet trusted) to ``take``, one at a time; links, FIFOs, devices and
        files over the size limit are skipped unread. True when the folder held more receipt files than one
        run looks at. A missing folder holds none; a linked one raises ``DeliveryFailed``."""
        try:
            receipts = self._open_receipts()
        except FileNotFoundError:
            return False
        return _hand_over(receipts, RECEIPT_SUFFIX, take)

    def _missing(self) -> DeliveryFailed:
        return DeliveryFailed(_("The folder {folder} is missing or cannot be written (is the USB stick in, and not "
                                "write-protected?). The packets stay in the outbox.").format(folder=self.folder),
                              fatal=True)

    def _open(self) -> UntrustedFolder:
        try:
            return UntrustedFolder.open(self.folder)
        except FileNotFoundError as exc:
            raise self._missing() from exc
        except FolderRefused as refused:
            raise _refused(refused) from refused

    def _open_receipts(self) -> UntrustedFolder:
        """The receipts folder (``FileNotFoundError`` if there is none yet), never through a link."""
        if self._own_receipts and not self.folder.is_dir():     # no stick: ``check`` says so when delivering
            raise FileNotFoundError(str(self.folder))
        try:
            if not self._own_receipts:
                return UntrustedFolder.open(self.receipts_folder)
            with UntrustedFolder.open(self.folder) as folder:
                found = folder.subfolder(self.receipts_folder.name)
        except FolderRefused as refused:
            raise _refused(refused) from refused
        if found is None:
            raise FileNotFoundError(str(self.receipts_folder))
        return found


def _refused(refused: FolderRefused) -> DeliveryFailed:
    return DeliveryFailed(_("{problem} Nothing was written to it or read from it; the packets stay as they "
                            "were.").format(problem=refused.message), fatal=True)


class CertificateMismatch(Exception):
    pass


def certificate_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


class HttpsTransport:
    """POST to CMM's endpoint; the server certificate must match the pinned SHA-256 fingerprint.

    Retries with exponential back-off (bounded); CMM de-duplicates by packet id, so a retry after
    a lost answer is harmless. The answer is CMM's signed receipt. Packets go urgent first: the connection
    to CMM shows only how many there are, all of one size.
    """

    name = "https"
    shuffled = False

    def __init__(self, endpoint: str, pin_sha256: str, *, retries: int = 3, backoff_s: float = 1.0,
                 timeout_s: float = 15.0, sleep: Callable[[float], None] | None = None,
                 cancel: CancelToken = NEVER) -> None:
        self.url = urlsplit(endpoint)
        self.pin = pin_sha256.lower()
        self.retries, self.backoff_s, self.timeout_s = retries, backoff_s, timeout_s
        # ``timeout_s`` bounds each wait for the peer; a peer that trickles a byte at a time never trips it, so a
        # whole exchange (connection, handshake, request, answer) also ends by ``deadline_s``.
        self.deadline_s = max(4 * timeout_s, 30.0)
        self.cancel = cancel
        self.sleep = sleep or cancel.sleep

    def check(self) -> None:
        if self.url.scheme != "https" or not self.url.hostname:
            raise DeliveryFailed(_("The CMM address is not an https:// address."), fatal=True)

    def deliver(self, packet_id: str, data: bytes) -> bytes | None:
        self.check()
        for attempt in range(self.retries + 1):
            self.cancel.check()
            try:
                return self._post(packet_id, data)
            except CertificateMismatch as exc:
                raise DeliveryFailed(_("CMM's server showed a certificate that does not match the pinned "
                                       "fingerprint. Nothing was sent. Check the settings with CMM."),
                                     fatal=True) from exc
            except (OSError, http.client.HTTPException, _Retry):
                self.cancel.check()                      # broken off by the lock screen: not a network fault
                if attempt == self.retries:
                    break
                self.sleep(min(self.backoff_s * 2 ** attempt, MAX_BACKOFF_S))
        raise DeliveryFailed(_("CMM's server could not be reached. The packets stay in the outbox; try again "
                               "later."), fatal=True)

    def read_replies(self, take: Callable[[bytes], object], request: bytes) -> bool:
        """Ask CMM for its replies (``POST /replies`` with the organisation's signed request) and hand each
        sealed reply of the answer to ``take``; False (there is never "more": CMM sends the latest). A refusal,
        or an answer that is not a bundle, raises ``DeliveryFailed`` and hands over nothing."""
        self.check()
        try:
            status, body = self._post_to(self._replies_path(), request, "", MAX_BUNDLE_BYTES)
        except CertificateMismatch as exc:
            raise DeliveryFailed(_("CMM's server showed a certificate that does not match the pinned "
                                   "fingerprint. Nothing was sent. Check the settings with CMM."), fatal=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            self.cancel.check()
            raise DeliveryFailed(_("CMM's replies could not be fetched: the server could not be reached. Try "
                                   "again later.")) from exc
        if status == 404:                       # a server of an earlier version: it hands out no replies
            return False
        if status != 200:
            raise DeliveryFailed(_("CMM's server refused to hand over its replies ({reason}).").format(
                reason=receipt.read_error(body) or status))
        try:
            items = reply.unbundle(body)
        except Rejected as exc:
            raise DeliveryFailed(_("CMM's server answered with something that is not a bundle of replies; "
                                   "nothing of it was read.")) from exc
        for item in items:
            self.cancel.check()
            take(item)
        return False

    def _replies_path(self) -> str:
        path = self.url.path or "/packets"
        return (path[:-len("/packets")] if path.endswith("/packets") else path.rstrip("/")) + "/replies"

    def _context(self) -> ssl.SSLContext:
        # Trust comes from the pin, not from a certificate authority: CMM's server may be self-signed.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def _post(self, packet_id: str, data: bytes) -> bytes:
        status, body = self._post_to(self.url.path or "/packets", data, packet_id, MAX_PACKET_BYTES)
        if status >= 500:
            raise _Retry()
        return body

    def _post_to(self, path: str, data: bytes, packet_id: str, limit: int) -> tuple[int, bytes]:
        """(status, body) of one POST over a connection whose certificate matches the pin; the body is read up
        to ``limit`` + 1 bytes (more is more than any answer may be)."""
        host, port = self.url.hostname, self.url.port or 443
        raw = socket.create_connection((host, port), timeout=self.timeout_s)
        # A duplicate of the connection's socket: shutting it down breaks off a handshake or read that hangs on
        # a silent peer, whichever socket object the TLS layer has wrapped around it by then.
        breaker = raw.dup()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            with contextlib.suppress(OSError):
                breaker.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.deadline_s, expire)
        timer.daemon = True
        timer.start()
        try:
            with self.cancel.hook(lambda: breaker.shutdown(socket.SHUT_RDWR)):
                sock = self._context().wrap_socket(raw, server_hostname=host)
                der = sock.getpeercert(binary_form=True) or b""
                if not hmac.compare_digest(certificate_sha256(der), self.pin):
                    sock.close()
                    raise CertificateMismatch()
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout_s, context=self._context())
                conn.sock = sock
                headers = {"Content-Type": "application/octet-stream"}
                if packet_id:
                    headers["X-Packet-Id"] = packet_id
                with contextlib.closing(conn):
                    conn.request("POST", path, body=data, headers=headers)
                    response = conn.getresponse()
                    body = response.read(limit + 1)
        finally:
            timer.cancel()
            breaker.close()
        if expired.is_set():
            raise TimeoutError("the exchange with CMM's server took longer than its deadline")
        return response.status, body


class _Retry(Exception):
    """A server error worth trying again."""
