"""The API-agnostic engine. Nothing in this package names a vendor."""
from __future__ import annotations

from .api import Api, Call
from .app import ApiApp, ContractViolation
from .clock import Clock, iso
from .contract import Contract, Operation, Problem
from .http import HttpError, Reply, json_reply, no_content, stored_html, text_reply
from .ratelimit import Policy
from .render import Budget, Limits, Renderer, RenderLimitError
from .services import Services
from .store import Conflict, Page, Table, paginate

__all__ = ["Api", "ApiApp", "Budget", "Call", "Clock", "Conflict", "Contract",
           "ContractViolation", "HttpError", "Limits", "Operation", "Page", "Policy", "Problem",
           "RenderLimitError", "Renderer", "Reply", "Services", "Table", "iso", "json_reply",
           "no_content", "paginate", "stored_html", "text_reply"]
