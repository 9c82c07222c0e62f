"""The seed data (apis/parcelvoy/fixtures.py): the shipped file matches SCHEMA, Faker runs once
per (file, seed) however many worlds are built, and a broken file is one FixtureError line
naming the file and the place inside it."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from mailmocks.apis.parcelvoy import api, fixtures
from mailmocks.apis.parcelvoy.model import World
from mailmocks.core import FixtureError, Services, fixture_path

SHIPPED = fixture_path("parcelvoy.yaml")


def world(path: Path, seed: int | None = None) -> World:
    return api.new_world(Services(), str(path), seed)


def test_the_shipped_fixtures_match_the_schema() -> None:
    doc = fixtures.load(str(SHIPPED))
    fixtures.SCHEMA.check(doc, str(SHIPPED))  # expanded rows still fit the user shape
    built = fixtures.build(World(Services()), doc)
    assert [p.name for p in built.projects.values()] == ["Acme Sandbox", "Other Project"]
    assert len(list(built.users)) == 3 + 30 + 1  # named, generated, the other project's


def test_faker_runs_once_per_file_and_seed(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "parcelvoy.yaml"
    shutil.copy(SHIPPED, path)  # a file of its own: nothing cached for it yet
    calls: list[int | None] = []
    generated = fixtures._generated

    def counting(gen: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
        calls.append(seed)
        return generated(gen, seed)
    monkeypatch.setattr(fixtures, "_generated", counting)
    first, second = world(path, 3), world(path, 3)
    assert calls == [3]  # one generated block, expanded once for both worlds
    assert [u.email for u in first.users] == [u.email for u in second.users]
    ann = first.user_by_external(1, "ann")
    assert ann is not None
    ann.data["plan"] = "changed"  # every world has its own copy
    other = second.user_by_external(1, "ann")
    assert other is not None and other.data["plan"] == "pro"
    third = world(path, 4)
    assert calls == [3, 4]
    assert [u.email for u in third.users] != [u.email for u in first.users]


@pytest.mark.parametrize(("text", "where"), [
    ("projects: []\n", 'projects: [] has less than 1 item'),
    ("projects:\n  - {id: one, name: A}\n", 'projects[0].id: "one" is not of type "integer"'),
    ("projects:\n  - {id: 1}\n", 'projects[0]: "name" is a required property'),
    ("projects:\n  - {id: 1, name: A, keys: [{name: K}]}\n",
     'projects[0].keys[0]: "value" is a required property'),
    ("projects:\n  - {id: 1, name: A, keys: [{name: K, value: sk_1, role: owner}]}\n",
     'projects[0].keys[0].role: "owner" is not one of'),
    ("projects:\n  - {id: 1, name: A, users: [{generate: many}]}\n",
     'projects[0].users[0].generate: "many" is not of type "integer"'),
    ("projects:\n  - {id: 1, name: A, users: [{emial: a@b.c}]}\n",
     "projects[0].users[0]: Additional properties are not allowed ('emial' was unexpected)"),
    ("projects:\n  - id: 1\n    name: A\n    campaigns:\n"
     "      - {id: 9, name: C, type: trigger, subscription_id: 7, provider_id: 1}\n",
     "projects[0].campaigns[0].subscription_id: no subscription 7"),
])
def test_a_broken_fixture_file_is_one_line_naming_the_place(tmp_path: Path, text: str,
                                                            where: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as info:
        world(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {where}"), message
    assert "\n" not in message
