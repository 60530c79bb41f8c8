"""pdfminer hardened by `pipeline.ingest.pdf`: a damaged zlib stream inflates as pdfminer would, in linear time."""

from __future__ import annotations

import random
import time
import zlib

from pdfminer import pdftypes

from pipeline.ingest.pdf import decompress_corrupted


def _outcome(fn, data: bytes):
    try:
        return "ok", fn(data)
    except zlib.error:
        return "error", None


def test_same_bytes_as_pdfminer_on_damaged_streams():
    # pdfminer's own (kept by the reader when it replaces it)
    original = getattr(decompress_corrupted, "replaced", pdftypes.decompress_corrupted)
    assert original is not decompress_corrupted
    rng = random.Random(1)
    for n in range(60):
        raw = bytes(rng.choice(b"ab c\n0123") for _ in range(rng.randrange(1, 50_000)))
        packed = bytearray(zlib.compress(raw))
        if n % 3 == 0:
            packed[-1] ^= 1  # a bad checksum: everything is kept
        elif n % 3 == 1 and len(packed) > 20:
            packed[len(packed) // 2] ^= 0x55  # damage inside: an error, or a partial result
        expected = _outcome(original, bytes(packed))
        assert _outcome(lambda d: decompress_corrupted(d, chunk=997), bytes(packed)) == expected, n


def test_linear_time_on_a_large_stream_with_a_bad_checksum():
    packed = bytearray(zlib.compress(b" " * (16 << 20), 9))
    packed[-1] ^= 1
    began = time.perf_counter()
    out = decompress_corrupted(bytes(packed))
    assert len(out) == 16 << 20
    assert time.perf_counter() - began < 5.0  # pdfminer's own: ~10 s
