"""ConvertKit fixture files (fixtures.py): checked against SCHEMA, a bad one is one readable
line; Faker runs once per (file, seed), every world gets its own copy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mailmocks.apis.convertkit import api, fixtures
from mailmocks.core import FixtureError, Services, fixture_path

DEFAULT = Path(fixture_path("convertkit.yaml"))


def write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "convertkit.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def default_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(DEFAULT.read_text())
    return doc


def load_error(path: Path) -> str:
    with pytest.raises(FixtureError) as info:
        api.new_world(Services(), str(path))
    message = str(info.value)
    assert "\n" not in message  # one line, never a traceback
    return message


@pytest.mark.parametrize("change,where,expected", [
    (lambda d: d["accounts"][0].update(api_key=42), "accounts[0].api_key",
     '42 is not of type "string"'),
    (lambda d: d["accounts"][1].pop("api_secret"), "accounts[1]",
     '"api_secret" is a required property'),
    (lambda d: d["accounts"][0]["forms"][1].update(type="popup"), "accounts[0].forms[1].type",
     "is not one of"),
    (lambda d: d["accounts"][0]["subscribers"].update(generate="many"),
     "accounts[0].subscribers.generate", '"many" is not of type "integer"'),
    (lambda d: d["accounts"][0]["purchases"][2].update(transaction_time="last tuesday"),
     "accounts[0].purchases[2].transaction_time", "does not match"),
    (lambda d: d["accounts"][0]["purchases"][0]["products"][0].pop("pid"),
     "accounts[0].purchases[0].products[0]", '"pid" is a required property'),
    (lambda d: d["accounts"][1].update(subscriber_limt=6), "accounts[1]",
     "'subscriber_limt' was unexpected"),  # a typo is caught, not ignored
    (lambda d: d.update(accounts=[]), "accounts", "has less than 1 item"),
])
def test_a_malformed_fixture_is_one_line_naming_the_file_and_the_place(
        tmp_path: Path, change: Any, where: str, expected: str) -> None:
    doc = default_doc()
    change(doc)
    path = write(tmp_path, doc)
    message = load_error(path)
    assert message.startswith(f"{path}: {where}: "), message
    assert expected in message


def test_a_purchase_naming_a_subscriber_that_does_not_exist(tmp_path: Path) -> None:
    doc = default_doc()
    doc["accounts"][0]["purchases"][0]["email_address"] = "from_subscriber 301"
    path = write(tmp_path, doc)
    message = load_error(path)
    assert message.startswith(f"{path}: cannot expand (ValueError: "
                              "accounts[0].purchases[0].email_address: ")
    assert "there are 300" in message


def test_faker_runs_once_per_file_and_seed_and_every_world_has_its_own_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated: list[int | None] = []
    generate = fixtures._generate

    def counting(acct: dict[str, Any], gen: dict[str, Any], seed: int | None
                 ) -> list[dict[str, Any]]:
        generated.append(seed)
        return generate(acct, gen, seed)

    monkeypatch.setattr(fixtures, "_generate", counting)
    path = str(write(tmp_path, default_doc()))
    first = api.new_world(Services(), path)
    second = api.new_world(Services(), path)
    assert generated == [None, None]  # two accounts, once each, for both worlds
    assert [s.email for s in first.default.subscribers] == [
        s.email for s in second.default.subscribers]
    mine, theirs = first.default.subscribers.get(1), second.default.subscribers.get(1)
    assert mine is not None and theirs is not None
    mine.first_name = "Changed"
    assert theirs.first_name != "Changed"
    other = api.new_world(Services(), path, seed=99)
    assert generated == [None, None, 99, 99]
    assert [s.email for s in other.default.subscribers] != [
        s.email for s in first.default.subscribers]


def test_the_default_file_gives_the_documented_data() -> None:
    world = api.new_world(Services())
    acct = world.default
    assert (acct.id, acct.name, len(acct.subscribers), len(acct.forms)) == (
        1001, "Acme Newsletter", 300, 4)
    assert sum(1 for s in acct.subscribers if s.state == "cancelled") == 17
    assert [f.key for f in acct.fields] == ["last_name", "company", "phone_number",
                                            "favourite_colour"]
    assert world.accounts[1002].subscriber_limit == 6
    # the purchases' `from_subscriber <n>` addresses are the n-th subscriber's
    purchase, buyer = acct.purchases.get(2), acct.subscribers.get(2)
    assert purchase is not None and buyer is not None
    assert purchase.email_address == buyer.email
    assert [b.status for b in acct.broadcasts] == ["draft", "scheduled"]


def test_subscribers_may_be_written_out_instead_of_generated(tmp_path: Path) -> None:
    doc = default_doc()
    doc["accounts"][1]["subscribers"] = [
        {"email": "ada@other.test", "first_name": "Ada", "state": "active",
         "created_at": 1750000000.0, "fields": {"last_name": "Lovelace"}, "tags": [1],
         "form": 3101, "sequence": None}]
    world = api.new_world(Services(), str(write(tmp_path, doc)))
    [ada] = world.accounts[1002].subscribers
    assert (ada.email, ada.fields, ada.state) == ("ada@other.test", {"last_name": "Lovelace"},
                                                  "active")
    assert {(m.kind, m.target_id) for m in world.accounts[1002].subscriptions} == {
        ("tag", 1), ("form", 3101)}
