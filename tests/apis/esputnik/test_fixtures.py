"""eSputnik fixture files: the schema they are checked against, the seeded Faker contacts
(generated once per file and seed, never once per world), and the world built from them."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailmocks.apis.esputnik import api, fixtures
from mailmocks.core import FixtureError, Services, fixture_path

DEFAULT = Path(fixture_path("esputnik.yaml"))


def document() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(DEFAULT.read_text())
    return spec


def write(tmp_path: Path, spec: dict[str, Any]) -> Path:
    path = tmp_path / "esputnik.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def generated_names(path: Path, seed: int | None) -> list[str]:
    world = api.new_world(Services(), str(path), seed)
    return [c.first_name or "" for c in world.default.contacts.values()][4:]


def test_the_default_file_passes_the_schema_and_builds_both_organisations() -> None:
    world = api.new_world(Services())
    assert [o.id for o in world.orgs.values()] == [734521, 734999]
    acme = world.default
    assert len(acme.contacts) == 44 and len(acme.groups[200101].members) == 42
    assert acme.contacts[100000001].fields == {15867: "1990-04-12", 15868: "F", 15869: "Kyiv",
                                               15870: "1200"}


def test_faker_runs_once_per_file_and_seed(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, document())
    runs: list[int | None] = []
    real = fixtures.generated

    def counted(raw: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
        runs.append(seed)
        return real(raw, seed)

    monkeypatch.setattr(fixtures, "generated", counted)
    first = generated_names(path, 7)
    for _ in range(3):  # every world (a sandbox reset, another test) reuses the expansion
        assert generated_names(path, 7) == first
    assert runs == [7, 7]  # once for each of the two organisations
    other = generated_names(path, 8)
    assert runs == [7, 7, 8, 8] and other != first
    assert generated_names(path, None) == generated_names(DEFAULT, None)  # the file's seed


def test_every_world_gets_its_own_copy(tmp_path: Path) -> None:
    path = str(write(tmp_path, document()))
    one, two = api.new_world(Services(), path), api.new_world(Services(), path)
    one.default.contacts[100000001].first_name = "Changed"
    assert two.default.contacts[100000001].first_name == "Olena"


@pytest.mark.parametrize(("change", "where"), [
    (lambda s: s["organisations"][0].__setitem__("api_keys", 42),
     'organisations[0].api_keys: 42 is not of type "array"'),
    (lambda s: s["organisations"][1].pop("name"),
     'organisations[1]: "name" is a required property'),
    (lambda s: s["organisations"][0]["contacts"][1].__setitem__("id", "100000002"),
     'organisations[0].contacts[1].id: "100000002" is not of type "integer"'),
    (lambda s: s["organisations"][0].__setitem__("segmets", []),
     "organisations[0]: Additional properties are not allowed ('segmets' was unexpected)"),
    (lambda s: s["organisations"][0]["address_books"][0]["field_groups"][0]["fields"][0]
     .__setitem__("type", "Date"),
     'organisations[0].address_books[0].field_groups[0].fields[0].type: "Date" is not one of'),
    (lambda s: s["organisations"][0]["contacts"][1].__setitem__("fields", {"city": "Kyiv"}),
     'organisations[0].contacts[1].fields: "city" does not match "^[0-9]+$"'),
    (lambda s: s.pop("organisations"), '(top level): "organisations" is a required property'),
])
def test_a_malformed_file_is_one_line_naming_the_file_and_the_place(
        tmp_path: Path, change: Any, where: str) -> None:
    spec = copy.deepcopy(document())
    change(spec)
    path = write(tmp_path, spec)
    with pytest.raises(FixtureError) as info:
        api.new_world(Services(), str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: {where}") and "\n" not in message
