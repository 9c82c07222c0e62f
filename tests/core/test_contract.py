"""Contracts load once per process; each validator compiles on first use, and every one can."""
from __future__ import annotations

import pytest

from mailmocks import apis
from mailmocks.core import Contract, contract_path
from mailmocks.core.contract import Validator


def test_a_validator_compiles_on_first_use_and_keeps_it() -> None:
    validator = Validator({"type": "object", "required": ["email"]})
    assert validator._validator is None
    assert not validator.is_valid({})
    compiled = validator._validator
    assert compiled is not None
    assert [p.field for p in validator.problems({}, "body")] == ["email"]
    assert validator._validator is compiled


@pytest.mark.parametrize("name", apis.names())
def test_every_schema_of_every_contract_compiles(name: str) -> None:
    # lazy compilation must not hide a schema jsonschema-rs would refuse
    contract = Contract.from_file(contract_path(apis.load(name).contract_file))
    assert Contract.from_file(contract_path(apis.load(name).contract_file)) is contract
    for op in contract.operations.values():
        validators = [op.params_validator, op.body_validator,
                      *(v for r in op.responses.values() for v in r.media.values())]
        for validator in validators:
            if validator is not None:
                validator.is_valid(None)
