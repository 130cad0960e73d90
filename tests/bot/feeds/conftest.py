from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.feeds.site import Site, SiteServer


@pytest.fixture
def site() -> Iterator[Site]:
    server = SiteServer()
    yield server.start()
    server.stop()
