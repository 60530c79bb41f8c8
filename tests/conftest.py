"""Shared fixtures: the real-document folder, a font for rendering Chinese, temp outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.annotate import corpus

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (or $JIXIAO_SHARED); tests that need the real documents skip without it."""
    if not corpus.available():
        pytest.skip(f"real documents not found at {corpus.shared_dir()} (set JIXIAO_SHARED to the shared folder)")
    return corpus.shared_dir()


@pytest.fixture(scope="session")
def real_documents(shared_dir):
    return corpus.real_documents(shared_dir)


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    """A font file with Chinese glyphs (Debian's fonts-noto-cjk, installed by .ci/system-deps.sh)."""
    candidates = [
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
        Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    ]
    for c in candidates:
        if c.is_file():
            return c
    pytest.fail("no CJK font installed: run `make system-deps` (installs fonts-noto-cjk)")
