"""The API-agnostic engine. Nothing in this package names a vendor.

Vendor packages import what they need from here, never from the modules below it (a layer
rule that `lint-imports` checks).
"""
from __future__ import annotations

from .api import Api, Call, CheckSettings, Handler, Window, op
from .app import ApiApp, ContractViolation
from .clock import Clock, iso
from .contract import Contract, Operation, Problem
from .faults import Fault, Faults
from .fixtures import FixtureError, FixtureSchema, load_fixture
from .http import (
    NO_BODY,
    STORED_HTML_HEADERS,
    HttpError,
    Reply,
    json_reply,
    no_content,
    stored_html,
    text_reply,
)
from .jobs import Job, Jobs
from .journal import Entry, Journal
from .liquid import FAILURES as LIQUID_FAILURES
from .liquid import render_each as liquid_render_each
from .liquid import syntax_error as liquid_syntax_error
from .outbox import Message, Outbox
from .ratelimit import Decision, Policy
from .render import Budget, Limits, Renderer, RenderLimitError
from .resources import contract_path, fixture_path
from .services import Services
from .store import Conflict, Page, Table, paginate
from .webhooks import Delivery, Webhooks

__all__ = [
    "LIQUID_FAILURES", "NO_BODY", "STORED_HTML_HEADERS", "Api", "ApiApp", "Budget", "Call",
    "CheckSettings", "Clock", "Conflict", "Contract", "ContractViolation", "Decision", "Delivery",
    "Entry", "Fault", "Faults", "FixtureError", "FixtureSchema", "Handler", "HttpError", "Job",
    "Jobs", "Journal", "Limits", "Message", "Operation", "Outbox", "Page", "Policy", "Problem",
    "RenderLimitError", "Renderer", "Reply", "Services", "Table", "Webhooks", "Window",
    "contract_path", "fixture_path", "iso", "json_reply", "liquid_render_each",
    "liquid_syntax_error", "load_fixture", "no_content", "op", "paginate", "stored_html",
    "text_reply",
]
