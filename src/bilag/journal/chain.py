"""Tamper evidence (issue 13): each posted voucher's hash over its content and its predecessor's hash (pure).

A voucher's content is its voucher row and its ledger entry rows exactly as posting writes them
(store/ledger_writer.py VOUCHER_COLUMNS and ENTRY_COLUMNS: ids, dates as ISO text, amounts in minor units,
texts, None for an empty party). The canonical form (version 1) is

    sha256( previous_hash + ascii((voucher_row, [entry_row, ...])) )   as lowercase hex

where previous_hash is the hash of the voucher before it in its series (journal name), or GENESIS for the
first, and ascii() is Python's: a tuple of its fields in column order; strings quoted, every non-ASCII
character escaped (\\xhh, \\uhhhh, \\Uhhhhhhhh), so the text does not depend on the Unicode tables of the
Python that wrote it; integers in decimal; None as None. Entries in the order of their entry id.

An altered row changes its voucher's hash; a removed or inserted voucher breaks the link of the one after it;
removed last vouchers leave the series' head (voucher_chain) pointing past the end. The hash is not keyed: someone
who can rewrite the database and recompute every later hash and the head can hide a change — write down the heads
that `bilag verify` prints (or keep backups) to anchor them outside the database.
"""
from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

GENESIS = "0" * 64
CHAIN_VERSION = 1


def voucher_hash(previous_hash: str, voucher_row: tuple, entry_rows: Sequence[tuple]) -> str:
    """The chained hash of one voucher (see the module's canonical form)."""
    return sha256((previous_hash + ascii((voucher_row, list(entry_rows)))).encode("ascii")).hexdigest()
