"""intake_concurrent_p95_ms: the 95th percentile of a packet POST's latency (TLS connection, pinned
certificate, answer with the signed receipt) while 50 clients send 2,000 packets to CMM's HTTPS intake on
127.0.0.1 at once. Target: <= 1,000 ms. The clients are threads of this process (the NGO's own
HttpsTransport, one connection per packet), so they share the two cores and the GIL with the server."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import kdf_floor, metric
from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.server import certificate_fingerprint, serving
from fieldapp.protocol import crypto, receipt
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.referral.transports import HttpsTransport
from tests.referral.helpers import tls_certificate, valid_packet  # the test certificate and packet, not copies

PASSPHRASE = "benchmark passphrase one"
CLIENTS = 50


def _send_all(port: int, pin: str, packets: list[bytes], secret: CmmSecret) -> list[float]:
    """Each of CLIENTS threads sends its share of ``packets``; the latency of every POST in ms."""
    samples: list[float] = []
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        transport = HttpsTransport(f"https://127.0.0.1:{port}/packets", pin, retries=0, timeout_s=60)
        for data in share:
            start = time.perf_counter()
            answer = transport.deliver("-", data)
            took = (time.perf_counter() - start) * 1000
            assert (receipt.verify(answer, secret.public) or {}).get("outcome") == "accepted"
            with lock:
                samples.append(took)

    threads = [threading.Thread(target=client, args=(packets[i::CLIENTS],)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def intake_concurrent_p95_ms(folder: Path, count: int) -> float:
    secret, seed = CmmSecret(bytes(32)), crypto.new_signing_seed()
    packets = [crypto.sign_and_seal(crypto.canonical_json(valid_packet(seed)), seed, secret.public)
               for _ in range(count)]
    cert, key = tls_certificate(folder)
    conn = intake_store.create(folder / "intake.store", PASSPHRASE)
    try:
        intake.register(conn, crypto.org_key_file(seed, "Bench NGO"))
        # The clients all come from 127.0.0.1 here; at CMM they come from 50 addresses.
        with serving(intake.Intake(conn, secret), "127.0.0.1", 0, cert, key, max_connections_per_client=0) as server:
            samples = _send_all(server.port, certificate_fingerprint(cert), packets, secret)
        assert len(samples) == count == intake_store.packet_count(conn)
        return statistics.quantiles(samples, n=20)[18]
    finally:
        intake_store.close(conn)


def run(quick: bool) -> dict:
    kdf_floor()
    count = 400 if quick else 2_000
    with tempfile.TemporaryDirectory() as tmp:
        p95 = intake_concurrent_p95_ms(Path(tmp), count)
    return {
        "intake_concurrent_p95_ms": metric(p95, "ms", f"p95 of {count:,} packet POSTs over TLS, {CLIENTS} clients "
                                                       "at once on 127.0.0.1" + (" (quick)" if quick else "")),
    }
