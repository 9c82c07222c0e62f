"""Every operation of every API against inputs the contracts do not describe.

Malformed requests (odd ids, broken JSON, invalid UTF-8, NUL bytes, deep and huge bodies,
huge query strings and headers, wrong content types) are refused with a 4xx and change
nothing stored; valid-looking bodies with one field at an extreme are accepted or refused,
never a 5xx; and whatever was accepted can then be read back by every read operation, in
strict mode (an answer off-contract fails). In-process, one private fake per API.
"""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from reliability.corpus import (
    DEEP,
    FIGURES,
    Probe,
    fingerprint,
    ids_in,
    malformed,
    odd_values,
    reads,
    thin,
)

from mailmocks import apis
from mailmocks.testing import MockServer, make_mock

PER_OPERATION = 10  # probes of each kind per operation in `make test`; all of them when deep


@pytest.fixture(params=apis.names())
def mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    fake = make_mock(str(request.param))
    fake.services.limiter.enabled = False  # thousands of calls; limits are tested elsewhere
    fake.clock.freeze()
    yield fake
    fake.close()


def send(mock: MockServer, probe: Probe, failures: list[str], op_id: str
         ) -> httpx.Response | None:
    FIGURES[f"{mock.name} requests"] += 1
    try:
        response = mock.http.request(**probe.send_args())
    except Exception as exc:  # strict mode: an answer off-contract
        failures.append(f"{op_id} [{probe.label}]: {type(exc).__name__}: {str(exc)[:300]}")
        return None
    FIGURES[f"{mock.name} answered {response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        failures.append(f"{op_id} [{probe.label}]: {response.status_code} "
                        f"{response.text[:200]}")
    return response


def test_malformed_requests_are_refused_and_change_nothing(mock: MockServer) -> None:
    api = mock.app.api
    credentials = api.check_credentials(mock.world)
    failures: list[str] = []
    for probe in reads(api, mock.world, credentials, set()):  # first calls learn base URLs
        send(mock, probe, failures, "read " + probe.path)
    sent = 0
    for op in api.contract.operations.values():
        mock.drain()  # what earlier operations queued is not this one's doing
        before = fingerprint(mock.world)
        statuses = []
        for probe in thin(malformed(api, mock.world, op, credentials), PER_OPERATION, op.id):
            response = send(mock, probe, failures, op.id)
            sent += 1
            if response is not None:
                statuses.append(response.status_code)
                if response.status_code < 400 and probe.label.startswith(("broken", "too")):
                    failures.append(f"{op.id} [{probe.label}]: accepted "
                                    f"{response.status_code}")
        if statuses and all(400 <= s < 500 for s in statuses):
            mock.drain()
            if fingerprint(mock.world) != before:
                failures.append(f"{op.id}: refused requests changed what is stored")
    assert sent > 0
    assert failures == [], "\n".join(failures)


def test_what_is_accepted_can_be_read_back(mock: MockServer) -> None:
    api = mock.app.api
    credentials = api.check_credentials(mock.world)
    failures: list[str] = []
    ids: set[str] = set()
    accepted = 0
    for op in api.contract.operations.values():
        if op.safe:
            continue
        for probe in thin(odd_values(api, mock.world, op, credentials), PER_OPERATION * 2, op.id):
            response = send(mock, probe, failures, op.id)
            if response is not None and response.status_code < 300:
                accepted += 1
                if response.content:
                    try:
                        ids_in(orjson.loads(response.content), ids)
                    except orjson.JSONDecodeError:
                        pass
    mock.drain()
    mock.advance(3600)  # what falls due within the hour runs (scheduled sends, delayed updates)
    for probe in reads(api, mock.world, credentials, set()):  # lists first: the ids they name
        response = send(mock, probe, failures, "read " + probe.path)
        if response is not None and response.status_code < 300 and response.content:
            ids_in(orjson.loads(response.content), ids)
    for probe in reads(api, mock.world, credentials, ids):
        send(mock, probe, failures, "read " + probe.path)
    failed_jobs = [f"job {j.name}: {j.error}" for j in mock.jobs.finished()
                   if j.status == "failed"]
    assert accepted > 0 or not any(not op.safe for op in api.contract.operations.values())
    assert failures + failed_jobs == [], "\n".join(failures + failed_jobs)


def test_the_corpus_is_sampled_unless_deep() -> None:
    probes = [Probe("get", f"/{i}") for i in range(50)]
    kept = thin(probes, 10, "seed")
    assert kept == thin(probes, 10, "seed")  # the same sample every run
    assert len(kept) == (50 if DEEP else 10)
