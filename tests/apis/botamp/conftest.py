"""What every Botamp test module uses: the thin client wired to `botamp_mock`."""
from __future__ import annotations

import pytest

from mailmocks.clients.botamp import Botamp
from mailmocks.testing.botamp import Mock as BotampMock


@pytest.fixture
def bt(botamp_mock: BotampMock) -> Botamp:
    return botamp_mock.client()
