#!/usr/bin/env python3
"""Independent known-answer vectors for Cohort.Encryption, written with Python's `cryptography` package.

Run from this folder:  python3 make_vectors.py
It rewrites every vector file here. Keys are generated afresh on each run, so commit the whole set together.
Nothing here uses Cohort code: the files are what a Beiwe phone app (Android: padded base64, iOS: unpadded) and an
independent implementation of docs/envelope-format.md produce.
"""
import base64
import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(HERE, name), mode) as f:
        f.write(data)


def b64url(data, pad=True):
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if pad else text.rstrip("=")


def raw_rsa_encrypt(public_key, message):
    numbers = public_key.public_numbers()
    m = int.from_bytes(message, "big")
    assert m < numbers.n
    return pow(m, numbers.e, numbers.n).to_bytes(256, "big")


def aes_cbc_encrypt(key, iv, plaintext, pad=True):
    if pad:
        padder = padding.PKCS7(128).padder()
        plaintext = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(plaintext) + enc.finalize()


def key_line(public_key, aes_key, pad):
    inner = b64url(aes_key, pad).encode("ascii")
    return b64url(raw_rsa_encrypt(public_key, inner), pad)


def data_line(aes_key, plaintext, pad, iv=None):
    iv = iv if iv is not None else os.urandom(16)
    return b64url(iv, pad) + ":" + b64url(aes_cbc_encrypt(aes_key, iv, plaintext), pad)


def csv_rows(count, seed):
    rows = ["timestamp,UTC time,accuracy,x,y,z"]
    for i in range(count):
        ts = 1700000000000 + seed * 100000 + i * 100
        rows.append(f"{ts},2023-11-14T22:13:{i % 60:02d}.{i % 1000:03d},unknown,{(i * 7) % 19 / 10:.4f},{-(i % 13) / 3:.4f},9.{i % 10}")
    return rows


def beiwe_files(private_key):
    public_key = private_key.public_key()
    for style, pad in (("android", True), ("ios", False)):
        aes_key = os.urandom(16)
        rows = csv_rows(120, 1 if pad else 2)
        lines = [key_line(public_key, aes_key, pad)]
        lines += [data_line(aes_key, r.encode("utf-8"), pad) for r in rows]
        # Beiwe files end with a newline and may hold empty lines: both are ignored.
        text = "\n".join(lines[:5]) + "\n\n" + "\n".join(lines[5:]) + "\n"
        write(f"beiwe_{style}.txt", text)
        write(f"beiwe_{style}.expected.csv", "\n".join(rows))


def beiwe_corrupt(private_key):
    """One file with one of each line-level error and repair; expected codes use 1-based physical line numbers."""
    public_key = private_key.public_key()
    aes_key = os.urandom(16)
    good = []
    errors = []
    repairs = []
    lines = [key_line(public_key, aes_key, True)]

    def add_good(text, line=None):
        lines.append(line if line is not None else data_line(aes_key, text.encode(), True))
        good.append(text)

    def add_bad(line, code):
        lines.append(line)
        errors.append([len(lines), code])

    add_good("first,good,row")
    add_bad(b64url(os.urandom(16)) + b64url(os.urandom(32)), "MALFORMED_LINE")  # no ':' (interrupted write)
    add_bad(data_line(aes_key, b"x", True) + ":" + b64url(os.urandom(16)), "MALFORMED_LINE")  # two ':'
    iv = os.urandom(16)
    add_bad(b64url(iv) + ":" + "AAAA!AAA" + b64url(os.urandom(16)), "BAD_BASE64")  # character outside the alphabet
    add_bad(b64url(iv) + ":" + b64url(os.urandom(32))[:-4] + "A", "BAD_BASE64")  # impossible base64 length (4k+1)
    add_bad(b64url(os.urandom(16)) + ":", "EMPTY_CIPHERTEXT")
    add_bad(":" + b64url(os.urandom(32)), "IV_MISSING")
    add_bad(b64url(os.urandom(8)) + ":" + b64url(os.urandom(32)), "IV_BAD_LENGTH")
    # Padding byte 0 and padding byte 0x20 (> 16): no padding can be stripped.
    iv = os.urandom(16)
    add_bad(b64url(iv) + ":" + b64url(aes_cbc_encrypt(aes_key, iv, b"fifteen bytes!!\x00", pad=False)), "BAD_PADDING")
    iv = os.urandom(16)
    add_bad(b64url(iv) + ":" + b64url(aes_cbc_encrypt(aes_key, iv, b"A" * 31 + b"\x20", pad=False)), "BAD_PADDING")
    add_good("second,good,row")
    # Ciphertext one block plus 5 stray bytes: Beiwe truncates to a multiple of 16 and decrypts.
    iv = os.urandom(16)
    ct = aes_cbc_encrypt(aes_key, iv, b"truncated,row") + os.urandom(5)
    add_good("truncated,row", b64url(iv) + ":" + b64url(ct))
    repairs.append([len(lines), "TRUNCATED_CIPHERTEXT"])
    # Last byte says 3 padding bytes but the other two are not 3: Beiwe strips without checking.
    iv = os.urandom(16)
    add_good("unchecked,pad", b64url(iv) + ":" + b64url(aes_cbc_encrypt(aes_key, iv, b"unchecked,pad\x01\x02\x03", pad=False)))
    repairs.append([len(lines), "UNCHECKED_PADDING"])
    # A ciphertext shorter than one block truncates to nothing.
    add_bad(b64url(os.urandom(16)) + ":" + b64url(os.urandom(10)), "EMPTY_CIPHERTEXT")
    add_good("last,good,row")
    write("beiwe_corrupt.txt", "\n".join(lines) + "\n")
    write("beiwe_corrupt.expected.json", json.dumps({"plaintext": "\n".join(good), "errors": errors, "repairs": repairs}, indent=1))


def beiwe_whole_file_errors(private_key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    aes_key = os.urandom(16)
    lines = [key_line(other.public_key(), aes_key, True), data_line(aes_key, b"a,b,c", True)]
    write("beiwe_wrong_key.txt", "\n".join(lines) + "\n")
    good_key = key_line(private_key.public_key(), aes_key, True)
    write("beiwe_bad_key_chars.txt", good_key[:10] + "+" + good_key[11:] + "\n" + lines[1] + "\n")
    write("beiwe_all_nul.txt", b"\x00" * 64)


def keys(private_key):
    write("beiwe_private_pkcs1.pem", private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()).decode())
    spki = private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    write("beiwe_public_registration.txt", base64.b64encode(spki).decode())


def hashing():
    vectors = []
    for identifier, salt, iterations in (("5551234567", b"device-salt-01", 1000), ("alice@example.org", b"\x00\x01\x02\xff", 901),
                                         ("Zoë", b"salt", 1100), ("", b"empty-id-salt", 1000)):
        kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=64, salt=salt, iterations=iterations)
        vectors.append({"identifier": identifier, "salt": base64.b64encode(salt).decode(), "iterations": iterations,
                        "hash": b64url(kdf.derive(identifier.encode("utf-8")))})
    sha = [{"identifier": s, "hash": b64url(hashlib.sha256(s.encode("utf-8")).digest())} for s in ("5551234567", "MAC:AA:BB", "Zoë")]
    pepper = bytes(range(32))
    keyed = [{"identifier": s, "context": c, "pseudonym": b64url(hmac.new(pepper, c.encode() + b"\x00" + s.encode("utf-8"), hashlib.sha256).digest(), False)}
             for s, c in (("participant-17", "study-a"), ("participant-17", "study-b"), ("Zoë", ""))]
    write("hashing.json", json.dumps({"pbkdf2": vectors, "sha256": sha, "keyedPepper": base64.b64encode(pepper).decode(), "keyed": keyed}, indent=1))


# --- Cohort envelope, written from docs/envelope-format.md -------------------------------------------------------

def envelope(wrap_alg, key_id, wrapped_for, plaintext, k=10):
    data_key = os.urandom(32)
    prefix = os.urandom(7)
    fixed = b"CHEV" + bytes([1, 1, k, 0]) + prefix + b"\x00"
    kid = key_id.encode("utf-8")
    version = 0
    aad = fixed + bytes([wrap_alg]) + kid + struct.pack(">I", version)
    if wrap_alg == 1:
        wrapped = wrapped_for.encrypt(data_key, asym_padding.OAEP(asym_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    else:
        eph = ec.generate_private_key(ec.SECP256R1())
        eph_pub = eph.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        shared = eph.exchange(ec.ECDH(), wrapped_for)
        kek = HKDF(hashes.SHA256(), 32, eph_pub, b"cohort-envelope-v1/p256").derive(shared)
        wrapped = eph_pub + AESGCM(kek).encrypt(b"\x00" * 12, data_key, aad)
    header = fixed + bytes([wrap_alg, len(kid)]) + kid + struct.pack(">IH", version, len(wrapped)) + wrapped
    size = 1 << k
    chunks = [plaintext[i:i + size] for i in range(0, len(plaintext), size)] or [b""]
    gcm = AESGCM(data_key)
    body = b""
    for i, chunk in enumerate(chunks):
        nonce = prefix + struct.pack(">I", i) + (b"\x01" if i == len(chunks) - 1 else b"\x00")
        body += gcm.encrypt(nonce, chunk, fixed)
    return header + body


def envelopes():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    write("envelope_rsa_private.pem", rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    write("envelope_p256_private.pem", ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    plaintext = bytes((i * 31 + 7) % 251 for i in range(3000))  # three chunks of 1 KiB, the last one partial
    write("envelope_plaintext.bin", plaintext)
    write("envelope_rsa.chev", envelope(1, "study-rsa", rsa_key.public_key(), plaintext))
    write("envelope_p256.chev", envelope(2, "study-ec", ec_key.public_key(), plaintext))


if __name__ == "__main__":
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys(key)
    beiwe_files(key)
    beiwe_corrupt(key)
    beiwe_whole_file_errors(key)
    hashing()
    envelopes()
    print("vectors written to", HERE)
