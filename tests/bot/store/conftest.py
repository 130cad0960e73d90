"""The ``store`` fixture: a fresh database in the test's temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import (
    Store,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "newsbot.db")
    try:
        yield opened
    finally:
        await opened.close()
