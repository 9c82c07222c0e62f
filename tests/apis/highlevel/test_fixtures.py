"""HighLevel's fixture files (fixtures.py): checked against SCHEMA, expanded with Faker once
per (file, seed), built into a fresh World each time; a bad file is one FixtureError line
naming the file and the place inside it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from faker import Faker

from mailmocks.apis.highlevel import api, fixtures
from mailmocks.apis.highlevel.model import World
from mailmocks.core import FixtureError, Services, fixture_path


def copy_of_default(tmp_path: Path, edit: Any = None) -> Path:
    spec = yaml.safe_load(fixture_path("highlevel.yaml").read_text())
    if edit is not None:
        edit(spec)
    path = tmp_path / "highlevel.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def world(path: Path, seed: int | None = None) -> World:
    return api.new_world(Services(), str(path), seed)


def titles(w: World) -> list[str]:
    return [p.title for p in w.default.posts]


def test_the_shipped_file_matches_the_schema() -> None:
    spec = yaml.safe_load(fixture_path("highlevel.yaml").read_text())
    fixtures.SCHEMA.check(spec, "highlevel.yaml")  # raises on any problem


def test_faker_runs_once_per_file_and_seed(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []

    def counting() -> Faker:
        made.append(1)
        return Faker()
    monkeypatch.setattr(fixtures, "Faker", counting)
    path = copy_of_default(tmp_path)
    first, second = world(path, 5), world(path, 5)
    assert len(made) == 1 and titles(first) == titles(second)
    assert first.default.posts is not second.default.posts  # every world its own records
    third = world(path, 6)
    assert len(made) == 2 and titles(third) != titles(first)
    assert len(titles(third)) == 29  # 5 explicit + 24 generated


def test_the_file_seed_is_used_unless_one_is_given(tmp_path: Path) -> None:
    path = copy_of_default(tmp_path)
    assert titles(world(path)) == titles(world(path, 2026))  # the file says seed: 2026
    assert world(path).seed == 2026 and world(path, 7).seed == 7


def test_times_follow_the_clock_of_each_world(tmp_path: Path) -> None:
    path = copy_of_default(tmp_path)
    early, late = Services(), Services()
    early.clock.freeze(1_800_000_000.0)
    late.clock.freeze(1_800_086_400.0)
    a, b = api.new_world(early, str(path), 1), api.new_world(late, str(path), 1)
    pa, pb = next(iter(a.default.posts)), next(iter(b.default.posts))
    assert pb.published_at - pa.published_at == 86_400.0


def _drop_token_scopes(spec: dict[str, Any]) -> None:
    del spec["locations"][0]["tokens"][0]["scopes"]


def _blog_as_text(spec: dict[str, Any]) -> None:
    spec["locations"][0]["posts"]["explicit"][1]["blog"] = "first"


def _unknown_key(spec: dict[str, Any]) -> None:
    spec["locations"][1]["contacts"][0]["phone"] = "+45 1234"


def _no_such_blog(spec: dict[str, Any]) -> None:
    spec["locations"][0]["posts"]["explicit"][2]["blog"] = 9


def _no_such_tag(spec: dict[str, Any]) -> None:
    spec["locations"][0]["contacts"][3]["tags"] = [0, 5]


@pytest.mark.parametrize("edit,message", [
    (_drop_token_scopes, "locations[0].tokens[0]: \"scopes\" is a required property"),
    (_blog_as_text, "locations[0].posts.explicit[1].blog: \"first\" is not of type \"integer\""),
    (_unknown_key, "locations[1].contacts[0]: Additional properties are not allowed "
                   "('phone' was unexpected)"),
    (_no_such_blog, "cannot expand (ValueError: locations[0].posts.explicit[2].blog: 9 names "
                    "no entry of blogs (2 there))"),
    (_no_such_tag, "cannot expand (ValueError: locations[0].contacts[3].tags[1]: 5 names no "
                   "entry of tags (2 there))"),
])
def test_a_bad_file_is_one_line_naming_the_file_and_the_place(
        tmp_path: Path, edit: Any, message: str) -> None:
    path = copy_of_default(tmp_path, edit)
    with pytest.raises(FixtureError) as info:
        world(path)
    text = str(info.value)
    assert text == f"{path}: {message}" and "\n" not in text


def test_a_missing_locations_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("seed: 1\nlocations: []\n")
    with pytest.raises(FixtureError, match=r"empty.yaml: locations: \[\] has less than 1 item"):
        world(path)
