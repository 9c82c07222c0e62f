"""The API-agnostic engine. Nothing in this package names a vendor."""
from __future__ import annotations

from .api import Api, Call
from .app import ApiApp, ContractViolation
from .clock import Clock, iso
from .contract import Contract, Operation, Problem
from .http import HttpError, Reply, json_reply, no_content, text_reply
from .ratelimit import Policy
from .services import Services
from .store import Conflict, Page, Table, paginate

__all__ = ["Api", "ApiApp", "Call", "Clock", "Conflict", "Contract", "ContractViolation",
           "HttpError", "Operation", "Page", "Policy", "Problem", "Reply", "Services", "Table",
           "iso", "json_reply", "no_content", "paginate", "text_reply"]
