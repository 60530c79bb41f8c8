"""Shared settings of the fuzz harnesses: the budget, a per-example alarm, byte mutations.

The budget is `JIXIAO_FUZZ_EXAMPLES` examples per harness (default `CI_EXAMPLES`, a few
seconds each); `JIXIAO_FUZZ_SECONDS` is the wall-clock limit of one example, enforced with
SIGALRM so that a hang fails the example instead of stalling the run.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CI_EXAMPLES = 500
EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", CI_EXAMPLES))
SECONDS = float(os.environ.get("JIXIAO_FUZZ_SECONDS", "20"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the alarm below bounds an example; CPU contention makes deadlines flaky
    derandomize=os.environ.get("JIXIAO_FUZZ_RANDOM") is None,  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    database=None,
)


class Hang(Exception):
    """An example ran longer than JIXIAO_FUZZ_SECONDS."""


@contextmanager
def alarm(seconds: float = SECONDS):
    def ring(signum, frame):
        raise Hang(f"the example ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# one mutation: (kind, position as a fraction of the length, byte or length)
_MUTATION = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "duplicate", "truncate"]),
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 255),
)
mutations = st.lists(_MUTATION, min_size=1, max_size=8)


def mutate(data: bytes, steps: list[tuple[str, float, int]], *, keep: int = 0) -> bytes:
    """Apply `steps` to `data`, leaving the first `keep` bytes (a magic number) alone."""
    out = bytearray(data)
    for kind, where, value in steps:
        if len(out) <= keep:
            break
        i = keep + int(where * (len(out) - keep - 1))
        if kind == "flip":
            out[i] ^= 1 << (value % 8)
        elif kind == "set":
            out[i] = value
        elif kind == "insert":
            out[i:i] = bytes([value]) * (1 + value % 16)
        elif kind == "delete":
            del out[i : i + 1 + value % 64]
        elif kind == "duplicate":
            out[i:i] = out[i : i + 1 + value]
        elif kind == "truncate":
            del out[max(i, keep + 1) :]
    return bytes(out)
