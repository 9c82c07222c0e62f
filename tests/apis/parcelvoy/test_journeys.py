"""The journey trigger (handlers/journeys.py): the user and the event are written at once."""
from __future__ import annotations

import pytest

from mailmocks.clients.base import InvalidRequest, NotFound
from mailmocks.testing.parcelvoy import Mock as ParcelvoyMock


def test_journey_trigger(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    assert pv.trigger_journey(1, 1, {"external_id": "j-1", "email": "j@example.com",
                                     "vip": True}, {"plan": "pro"}) == {"success": True}
    # synchronous: the user and the event exist before any job runs
    events = pv.list_user_events("j-1")["results"]
    assert events[0]["name"] == "journey_trigger"
    assert events[0]["data"] == {"plan": "pro", "journey": {"id": 1, "name": "Onboarding",
                                                            "entrance_id": 1}}
    assert pv.get_user("j-1")["data"] == {"vip": True}
    parcelvoy_mock.drain()
    [entrance] = list(parcelvoy_mock.world.entrances)
    assert entrance.ended_at is not None
    with pytest.raises(InvalidRequest) as info:
        pv.trigger_journey(1, 2, {"external_id": "j-1"})  # step 2 is not an entrance
    assert info.value.body == {"status": "error", "code": 9001,
                               "error": "The request journey step is invalid"}
    with pytest.raises(InvalidRequest) as info:
        pv.trigger_journey(1, 0, {"external_id": "j-1"})
    assert info.value.body["error"] == "Must be >= 1"


def test_exit_ends_the_open_entrances(parcelvoy_mock: ParcelvoyMock) -> None:
    pv = parcelvoy_mock.client()
    pv.trigger_journey(1, 1, {"external_id": "jx1"})
    assert pv.exit_journey(1, "jx1") == {"exits": 1}  # before the journey's job ends it
    assert pv.exit_journey(1, "jx1") == {"exits": 0}
    with pytest.raises(NotFound):
        pv.exit_journey(1, "nobody")
    with pytest.raises(InvalidRequest) as info:  # the journey loader's coded error
        pv.exit_journey(999, "jx1")
    assert info.value.body["code"] == 9000
