#!/usr/bin/env python3
"""Peer for BeiweDecryptBenchmarks: the line-by-line decrypt loop of a Beiwe-style server, in Python with `cryptography`.

Written from the format facts (docs/encryption.md), not from Beiwe's code. It does what that server's loop does per
line: split on ':', url-safe base64-decode IV and ciphertext (re-adding padding), truncate the ciphertext to a multiple
of 16, AES-128-CBC decrypt with a new decryptor, strip the padding by its last byte; the key line is raw RSA
(pow(c, d, n)), leading zero bytes stripped, base64-decoded.

Usage: python3 beiwe_decrypt.py [FOLDER] [RUNS]   (FOLDER defaults to $TMPDIR/cohort-encryption-bench, written by the
C# benchmark's setup: beiwe_upload.txt and beiwe_private_pkcs1.pem)
"""
import base64
import os
import sys
import tempfile
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def b64(text: bytes) -> bytes:
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def decrypt_file(data: bytes, private_key) -> tuple[bytes, int]:
    numbers = private_key.private_numbers()
    lines = [line for line in data.split(b"\n") if line]
    cipher_key = int.from_bytes(b64(lines[0]), "big")
    aes_key = b64(pow(cipher_key, numbers.d, numbers.public_numbers.n).to_bytes(256, "big").lstrip(b"\x00"))
    assert len(aes_key) == 16
    out = []
    errors = 0
    for line in lines[1:]:
        try:
            iv_text, ct_text = line.split(b":")
            iv = b64(iv_text)
            ct = b64(ct_text)
            ct = ct[: len(ct) - len(ct) % 16]
            decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
            plain = decryptor.update(ct) + decryptor.finalize()
            out.append(plain[: -plain[-1]])
        except Exception:  # a bad line is counted and skipped, as the server does
            errors += 1
    return b"\n".join(out), errors


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "cohort-encryption-bench")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with open(os.path.join(folder, "beiwe_private_pkcs1.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(os.path.join(folder, "beiwe_upload.txt"), "rb") as f:
        data = f.read()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        plaintext, errors = decrypt_file(data, key)
        times.append(time.perf_counter() - start)
    best = min(times)
    mean = sum(times) / len(times)
    mb = len(data) / 1_000_000
    print(f"file {mb:.1f} MB, {len(plaintext)} plaintext bytes, {errors} bad lines")
    print(f"python cryptography loop: mean {mean * 1000:.0f} ms ({mb / mean:.1f} MB/s), best {best * 1000:.0f} ms ({mb / best:.1f} MB/s) over {runs} runs")


if __name__ == "__main__":
    main()
