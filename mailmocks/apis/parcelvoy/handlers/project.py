"""The project a secret key belongs to (`GET /api/client`, ProjectController.ts's subrouter)
and the public health check (`GET /api/health`, config/controllers.ts)."""
from __future__ import annotations

from typing import Any

from ....core import iso, op
from ..errors import generic
from ..model import ApiCall, project_json, rows_of


@op("get_project")
def get_project(call: ApiCall) -> dict[str, Any]:
    """The project, the key's role and whether the project has any provider (archived ones
    count: `hasProvider` does not skip them)."""
    project, key = call.tenant.project, call.tenant.key
    return {**project_json(project), "role": key.role,
            "has_provider": bool(rows_of(call.world.providers, "project", project.id))}


@op("health")
def health(call: ApiCall) -> dict[str, Any]:
    """`{status, environment, time}`: NODE_ENV of a production image, the fake's clock."""
    return {"status": "ok", "environment": "production", "time": iso(call.clock.now())}


@op("update_project")
def update_project(call: ApiCall) -> dict[str, Any]:
    """After the role and the body checks the route reads `ctx.state.admin.id`, which a key's
    request does not have: a TypeError, the generic 400. Nothing is written."""
    raise generic()
