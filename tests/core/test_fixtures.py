from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailmocks.core.fixtures import FixtureError, FixtureSchema, load_fixture

calls: list[int | None] = []


def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    calls.append(seed)
    spec["rows"] = [f"row-{seed}-{i}" for i in range(spec["generate"])]
    return spec


def test_expanded_once_per_seed_and_every_caller_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("generate: 2\n")
    first = load_fixture(str(path), 7, expand)
    first["rows"].append("mutated")
    again = load_fixture(str(path), 7, expand)
    assert again["rows"] == ["row-7-0", "row-7-1"]  # the cache was not touched
    assert load_fixture(str(path), 8, expand)["rows"][0] == "row-8-0"
    assert calls == [7, 8]


SCHEMA = FixtureSchema({
    "type": "object", "required": ["accounts"],
    "properties": {"accounts": {"type": "array", "items": {
        "type": "object", "required": ["api_key"],
        "properties": {"api_key": {"type": "string"}, "subscribers": {"type": "integer"}}}}}})


@pytest.mark.parametrize("text,message", [
    ("accounts:\n  - api_key: 42\n", "f.yaml: accounts[0].api_key: 42 is not of type \"string\""),
    ("accounts:\n  - {}\n", "f.yaml: accounts[0]: \"api_key\" is a required property"),
    ("accounts: 7\n", "f.yaml: accounts: 7 is not of type \"array\""),
    ("- a\n- b\n", "f.yaml: (top level): expected a mapping, got list"),
    ("accounts: [\n", "f.yaml: line 2: not valid YAML"),
    ("{}\n", "f.yaml: (top level): \"accounts\" is a required property"),
])
def test_a_bad_fixture_file_is_one_readable_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as info:
        load_fixture(path, schema=SCHEMA)
    assert str(info.value).replace(str(tmp_path) + "/", "").startswith(message)
    assert "\n" not in str(info.value)


def test_a_missing_file_and_a_failing_expansion_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="nope.yaml: no such file"):
        load_fixture(tmp_path / "nope.yaml")
    path = tmp_path / "f.yaml"
    path.write_text("generate: many\n")
    with pytest.raises(FixtureError, match=r"f.yaml: cannot expand \(TypeError"):
        load_fixture(path, 1, expand)


def test_a_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("accounts: [{api_key: one}]\n")
    assert load_fixture(path, schema=SCHEMA)["accounts"][0]["api_key"] == "one"
    path.write_text("accounts: [{api_key: two}, {api_key: three}]\n")
    assert [a["api_key"] for a in load_fixture(path, schema=SCHEMA)["accounts"]] == [
        "two", "three"]


def test_an_unquoted_timestamp_stays_the_string_it_was_written_as(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("accounts: [{api_key: k}]\nwhen: 2024-03-04T09:00:00Z\n")
    assert load_fixture(path, schema=SCHEMA)["when"] == "2024-03-04T09:00:00Z"
