"""Decrypt every page of a SQLCipher 4 file (raw-key mode, default settings) for tests that must
look at free pages and slack space, not just at the rows SQL returns."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80          # 16-byte IV + 64-byte HMAC-SHA512
SALT = 16


def decrypted_pages(path: Path, data_key: bytes) -> list[bytes]:
    raw = Path(path).read_bytes()
    pages = []
    for offset in range(0, len(raw) - len(raw) % PAGE, PAGE):
        page = raw[offset:offset + PAGE]
        start = SALT if offset == 0 else 0
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(data_key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[start:PAGE - RESERVE]) + decryptor.finalize())
    return pages


def plaintext_contains(path: Path, data_key: bytes, needle: bytes) -> bool:
    return any(needle in page for page in decrypted_pages(path, data_key))
