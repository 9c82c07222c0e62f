"""Contract checks: schemathesis over one vendor's contract against a server.

One definition, two users: the suite's contract tests (tests/contract/) and `mailmocks check`.
Everything vendor-specific is data on the vendor's `Api`: `checks` (excluded schemathesis
checks and expected business-rule statuses, each with its reason), `check_credentials()`
(fixture credentials by security-scheme name) and `pin_generated()` (generated ids pointed at
records the world has). Credentials are applied where the contract's security schemes put
them: query, header or cookie API keys, HTTP Bearer, HTTP Basic.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import schemathesis
from schemathesis.checks import CHECKS

from .core import Api, Contract, Operation, contract_path
from .core.contract import apply_credentials as apply_credentials  # its home is core

CheckFunction = Callable[..., Any]


def load_schema(api: Api[Any, Any], path: str | None = None) -> Any:
    """The contract (the bundled one, or the file at `path`) as schemathesis reads it, with
    the vendor's expected statuses set."""
    schema = schemathesis.openapi.from_path(path or contract_path(api.contract_file))
    statuses = ["2xx", *sorted(str(s) for s in api.checks.expected_statuses)]
    schema.config.checks.positive_data_acceptance.expected_statuses = statuses
    return schema


def excluded_checks(api: Api[Any, Any]) -> list[CheckFunction]:
    names = list(api.checks.excluded_checks)
    return list(CHECKS.get_by_names(names)) if names else []


def configure_checks(schema: Any, api: Api[Any, Any], only: Sequence[str] | None = None
                     ) -> None:
    """The engine's checks (`mailmocks check`): the vendor's excluded ones always off; when
    `only` names some, those alone."""
    excluded = list(api.checks.excluded_checks)
    schema.config.checks.update(included_check_names=list(only) if only else None,
                                excluded_check_names=excluded or None)


def check_names() -> list[str]:
    """Every check schemathesis knows, by name."""
    return sorted(CHECKS.get_all_names())


def has_links(api: Api[Any, Any]) -> bool:
    """Whether the contract links operations (what a stateful run follows)."""
    return any(response.get("links") for op in api.contract.operations.values()
               for response in op.spec.get("responses", {}).values())


def operation_of(contract: Contract, case: Any) -> Operation | None:
    ops = contract.paths.get(case.operation.path, {})
    return ops.get(case.operation.method.upper())


def register_auth(schema: Any, api: Api[Any, Any], credentials: Callable[[], dict[str, str]],
                  contract: Contract | None = None) -> None:
    """Credentials on every generated case; schemathesis still probes without and with junk.
    `contract` says where they go when it is not the vendor's bundled one."""
    where: Contract = contract or api.contract

    @schema.auth()
    class Credentials:
        def get(self, case: Any, ctx: Any) -> dict[str, str]:
            return credentials()

        def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
            apply_credentials(where, operation_of(where, case), case, data)


def pin(api: Api[Any, Any], world: Any, case: Any) -> None:
    """Let the vendor point schema-valid generated values at real records."""
    for where, values in (("path", case.path_parameters), ("query", case.query),
                          ("body", case.body)):
        if isinstance(values, dict):
            api.pin_generated(world, where, values)
