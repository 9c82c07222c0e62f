"""Botamp fixtures.py: the default world, Faker run once per (file, seed), and a bad fixture
file as one line naming the file and the place in it."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from mailmocks.apis.botamp import World, api
from mailmocks.apis.botamp import fixtures as botamp_fixtures
from mailmocks.core import FixtureError, Services, fixture_path
from mailmocks.testing.botamp import Mock as BotampMock

DEFAULT = fixture_path("botamp.yaml").read_text(encoding="utf-8")


def world(path: Path | None = None, seed: int | None = None) -> World:
    return api.new_world(Services(), None if path is None else str(path), seed)


def people(w: World, account: int = 1) -> list[tuple[int, str, str | None]]:
    return [(s.id, s.email, s.name) for s in w.accounts[account].subscribers]


def test_default_account_is_seeded_deterministically(botamp_mock: BotampMock) -> None:
    acct = botamp_mock.account
    assert (acct.id, acct.name, acct.owner_email) == (1, "Atelier Lumière",
                                                      "owner@atelier-lumiere.fr")
    assert acct.undeliverable == ("no-mx.example.com", "bounce.atelier-lumiere.fr")
    assert len(botamp_mock.subscribers) == 40
    first = botamp_mock.subscribers[0]
    assert (first.id, first.email, first.name) == (1, "david.shaw.1@hotmail.com", "David Shaw")
    assert all(s.email == s.email.lower() for s in botamp_mock.subscribers)
    third = botamp_mock.subscribers[2]  # born 18 to 80 years before the account (2024-03-04)
    assert (third.email, third.birthday) == ("william.jones.3@yahoo.com", "1961-04-16")
    assert all("1943-03-04" < s.birthday <= "2006-03-04"
               for s in botamp_mock.subscribers if s.birthday is not None)
    assert len(botamp_mock.world.accounts[2].subscribers) == 3


def test_faker_runs_once_per_file_and_seed_and_worlds_do_not_share_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "botamp.yaml"
    path.write_text(DEFAULT, encoding="utf-8")
    generated: list[int | None] = []
    real = botamp_fixtures._generate

    def counting(acct: dict[str, Any], gen: dict[str, Any],
                 seed: int | None) -> list[dict[str, Any]]:
        generated.append(seed)
        return real(acct, gen, seed)

    monkeypatch.setattr(botamp_fixtures, "_generate", counting)
    one, two = world(path), world(path)
    assert generated == [None, None]  # two accounts, generated once for both worlds
    assert people(one) == people(two) == people(world())
    first = one.accounts[1].subscribers.get(1)
    assert first is not None
    first.name = "Changed"
    assert people(two)[0][2] == "David Shaw"
    reseeded = world(path, seed=5)
    assert generated == [None, None, 5, 5]
    assert people(reseeded) != people(one) and len(people(reseeded)) == 40


def test_subscribers_may_be_written_out(tmp_path: Path) -> None:
    path = tmp_path / "botamp.yaml"
    path.write_text(DEFAULT.replace(
        "    subscribers:\n      generate: 3\n      seed: 7\n",
        "    subscribers:\n"
        "      - {email: Ann@other-co.com, created_at: 1700000000, name: Ann, tags: [lead]}\n"
        "      - {email: bob@other-co.com, created_at: 1700003600.5, birthday: null}\n"),
        encoding="utf-8")
    other = world(path).accounts[2]
    ann = other.subscribers.by("email", "ann@other-co.com")
    assert ann is not None
    assert (ann.id, ann.email, ann.name, ann.tags, ann.created_at, ann.updated_at) == (
        1, "Ann@other-co.com", "Ann", ["lead"], 1700000000, 1700000000)
    assert [s.email for s in other.subscribers] == ["Ann@other-co.com", "bob@other-co.com"]


def test_times_without_an_offset_are_utc(tmp_path: Path) -> None:
    path = tmp_path / "botamp.yaml"
    path.write_text(DEFAULT.replace('"2024-03-04T09:00:00Z"', '"2024-03-04T09:00:00"'),
                    encoding="utf-8")
    host_zone = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"  # the host's zone must not matter
    time.tzset()
    try:
        first = world(path).accounts[1].subscribers.get(1)
    finally:
        if host_zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = host_zone
        time.tzset()
    assert first is not None and first.created_at == 1709542800 + 3600  # 10:00 UTC


@pytest.mark.parametrize("old,new,message", [
    ("  - id: 1\n", '  - id: "one"\n', 'accounts[0].id: "one" is not of type "integer"'),
    ("    api_key: 7c2f9a41d8e3b65f0a1c4e9d2b7f8a36\n", "",
     'accounts[0]: "api_key" is a required property'),
    ("generate: 3", "generate: many", 'accounts[1].subscribers.generate: "many" is not of type '
                                      '"integer"'),
    ("tags: [lead]", "tags: lead", 'accounts[1].tags: "lead" is not of type "array"'),
    ("undeliverable_domains: []", "undeliverable_domain: []",
     "accounts[1]: Additional properties are not allowed ('undeliverable_domain' was "
     "unexpected)"),
    ('created_at: "2025-01-10T12:00:00Z"', 'created_at: "last year"',
     'accounts[1].created_at: "last year" does not match'),
    ("    subscribers:\n      generate: 3\n      seed: 7\n",
     "    subscribers:\n      - {email: a@other-co.com}\n",
     'accounts[1].subscribers[0]: "created_at" is a required property'),
])
def test_a_bad_fixture_file_is_one_line_naming_the_file_and_the_place(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in DEFAULT
    path = tmp_path / "broken.yaml"
    path.write_text(DEFAULT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FixtureError) as info:
        world(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {message}")
    assert "\n" not in text


def test_a_fixture_file_without_accounts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("accounts: []\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=r"empty.yaml: accounts: \[\] has less than 1 item"):
        world(path)
