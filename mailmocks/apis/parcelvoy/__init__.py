"""Parcelvoy: the `/api/client` routes of the open-source messaging platform (v2.3.3).

`api.py` holds the hooks and one handler per operationId, `work.py` the queued jobs (ingestion
and the trigger send pipeline), `render.py` the render variables and Parcelvoy's helpers,
`handlebars.py` the Handlebars engine (an interpreter that cannot run code), `ajv.py` the
wording of validation errors, `model.py` the state, `fixtures.py` the seed data.
"""
from __future__ import annotations

from .api import ParcelvoyApi, api

__all__ = ["ParcelvoyApi", "api"]
