"""Interception: production code calling https://api.convertkit.com (and the other vendors'
real hosts) reaches in-process fakes, unchanged; a request to a host nobody fakes fails.

    with mailmocks.intercept() as mm:
        signup("a@example.com")                     # httpx or requests, sync or async
        mm.convertkit.assert_called("add_subscriber_to_form", times=1)

httpx is patched through respx, requests through requests-mock (bench/inprocess.py measured
both libraries; see docs). Every request is checked against its contract on the way in.
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .hosts import LOOPBACK, UnmatchedRequest, parse_hosts
from .report import ContractViolations, Violation, format_report
from .session import Interception, intercept

__all__ = ["LOOPBACK", "ContractViolations", "Interception", "UnmatchedRequest", "Violation",
           "format_report", "intercept", "parse_hosts"]


class _CallableModule(types.ModuleType):
    """`mailmocks.intercept` names this package and the function alike: calling the package
    calls `intercept()`, so whichever the attribute holds, `mailmocks.intercept()` works."""

    def __call__(self, *args: Any, **kwargs: Any) -> Interception:
        return intercept(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
