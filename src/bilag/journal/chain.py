"""Tamper evidence (issue 13): each posted voucher's hash over its content and its predecessor's hash (pure).

A voucher's content is its voucher row and its ledger entry rows exactly as posting writes them
(store/ledger_writer.py VOUCHER_COLUMNS and ENTRY_COLUMNS: ids, dates as ISO text, amounts in minor units,
texts, None for an empty party), entries in the order of their entry id. previous_hash is the hash of the
voucher before it in its series (journal name), or GENESIS for the first. The hash is lowercase hex.

Version 2 (what posting writes since issue 11) is

    sha256( previous_hash as ASCII bytes + encode((voucher_row, [entry_row, ...])) )

where encode() is a tagged binary form, each value's tag byte followed by its body:

    None            b"N"
    int in -2**31 .. 2**31-1
                    b"i" + the int as 4 bytes, little-endian, two's complement
    other int       b"l" + n as 4 bytes little-endian signed (the count of base-2**15 digits of |int|,
                    negative for a negative int) + each digit as 2 bytes little-endian, least significant first
    str             b"u" + the length of its UTF-8 bytes as 4 bytes little-endian + the UTF-8 bytes
    tuple / list    b"(" / b"[" + the item count as 4 bytes little-endian + each item encoded

It is the byte form of Python's `marshal` format version 2 for these types, which computes it in C; the
module checks that on import against its own encoder (`encode`) and uses its own if they ever differ.

Version 1 (vouchers posted before) is sha256( previous_hash + ascii((voucher_row, [entry_row, ...])) ):
Python's ascii() of the same tuple, strings quoted, every non-ASCII character escaped. Formatting some 65
fields per voucher as text cost posting a tenth of its time; version 2 writes the same content in a few
microseconds. Verification accepts either version per voucher (`hash_version`): a version-2 input holds bytes
below 0x20 (the lengths) and a version-1 input never does, so no voucher's content can stand for another's.

An altered row changes its voucher's hash; a removed or inserted voucher breaks the link of the one after it;
removed last vouchers leave the series' head (voucher_chain) pointing past the end. The hash is not keyed: someone
who can rewrite the database and recompute every later hash and the head can hide a change — write down the heads
that `bilag verify` prints (or keep backups) to anchor them outside the database.
"""
from __future__ import annotations

import marshal
from collections.abc import Sequence
from hashlib import sha256

GENESIS = "0" * 64
CHAIN_VERSION = 2  # the version posting writes
CHAIN_VERSIONS = (2, 1)  # every version verification accepts, newest first

_INT32 = 2**31


def encode(value) -> bytes:
    """The version-2 encoding of a row value (None, int, str) or a tuple/list of them (the module's table)."""
    kind = type(value)
    if value is None:
        return b"N"
    if kind is int:
        if -_INT32 <= value < _INT32:
            return b"i" + value.to_bytes(4, "little", signed=True)
        magnitude, digits = abs(value), []
        while magnitude:
            digits.append((magnitude & 0x7FFF).to_bytes(2, "little"))
            magnitude >>= 15
        count = len(digits) if value > 0 else -len(digits)
        return b"l" + count.to_bytes(4, "little", signed=True) + b"".join(digits)
    if kind is str:
        text = value.encode("utf-8", "surrogatepass")
        return b"u" + len(text).to_bytes(4, "little") + text
    if kind is tuple or kind is list:
        return (b"(" if kind is tuple else b"[") + len(value).to_bytes(4, "little") + b"".join(map(encode, value))
    raise TypeError(f"a hashed row holds only None, int and str, not {kind.__name__}")


def _marshal_agrees() -> bool:
    sample: tuple = (("USMF", 1, None, "", "Caf\u00e9 \u20ac \U0001f600", -1, 0, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1,
               10**17, -(10**17), 2**15, 2**30 * 3), [("a", 5), ()], [])
    return marshal.dumps(sample, 2) == encode(sample)


_encode = (lambda value: marshal.dumps(value, 2)) if _marshal_agrees() else encode


def voucher_hash(previous_hash: str, voucher_row: tuple, entry_rows: Sequence[tuple],
                 version: int = CHAIN_VERSION) -> str:
    """The chained hash of one voucher (see the module's canonical forms)."""
    if type(entry_rows) is not list:
        entry_rows = list(entry_rows)
    if version == 2:
        return sha256(previous_hash.encode("ascii") + _encode((voucher_row, entry_rows))).hexdigest()
    if version == 1:
        return sha256((previous_hash + ascii((voucher_row, entry_rows))).encode("ascii")).hexdigest()
    raise ValueError(f"no voucher hash version {version}")


def hash_version(chain_hash: str | None, previous_hash: str, voucher_row: tuple, entry_rows: Sequence[tuple],
                 first: int = CHAIN_VERSION) -> int | None:
    """The version under which the voucher's rows give `chain_hash` (trying `first` first: a series is written
    in one version for long runs), or None: the rows are not what was hashed."""
    for version in (first, *(v for v in CHAIN_VERSIONS if v != first)):
        if voucher_hash(previous_hash, voucher_row, entry_rows, version) == chain_hash:
            return version
    return None
