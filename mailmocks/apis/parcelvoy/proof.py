"""A template's proof (TemplateService.ts `sendProof`): rendered with the posted variables and
handed to the campaign's provider at once, during the request; no send record, no event."""
from __future__ import annotations

import copy
from typing import Any

from .errors import error, generic
from .jobs import deliver
from .model import Campaign, CampaignSend, Template, User, World, new_uuid
from .render import RenderLimitError, SafeString, TemplateError, flatten_user, render_message


async def send_proof(world: World, campaign: Campaign, template: Template, recipient: str,
                     variables: dict[str, Any]) -> None:
    """TemplateService.sendProof after its checks: render with the proof's variables and hand
    the message to the campaign's provider. A push proof needs a stored user (else the 400
    `Unable to find a user matching the criteria.`)."""
    pid = campaign.project_id
    found = next((u for i in world.users.ids("project", pid)
                  if (u := world.users.get(i)) is not None
                  and recipient in (u.email, u.phone)), None)
    given: dict[str, Any] = variables["user"] if isinstance(variables.get("user"), dict) else {}
    if template.type == "push" and found is None:
        raise error(400, "Unable to find a user matching the criteria.")
    now = world.now
    user = copy.deepcopy(found) if found is not None else User(
        0, pid, new_uuid(), given.get("external_id"), now, now, email=recipient,
        phone=recipient)
    user.data = {**user.data, **given}
    provider = world.providers.get(campaign.provider_id)
    if provider is None or provider.project_id != pid or provider.group != template.type:
        return  # `channel?.send(...)`: no channel, nothing sent
    context = {**(variables.get("context") or {}), "campaign_id": campaign.id}
    render_vars = {"user": flatten_user(user), "event": dict(variables.get("event") or {}),
                   "context": context, "journey": {},
                   "unsubscribeEmailUrl": SafeString(f"{world.public_url}/api/unsubscribe/email"),
                   "preferencesUrl": SafeString(f"{world.public_url}/api/unsubscribe/preferences")}
    try:
        rendered = await world.services.render(
            render_message, template.type, copy.deepcopy(template.data), render_vars,
            now=world.services.clock.utcnow())
    except RenderLimitError as exc:
        raise error(422, exc.reason) from exc
    except TemplateError as exc:
        raise generic() from exc
    proof = CampaignSend(0, campaign.id, user.id, "0", "proof", "pending", now, now, now)
    try:
        if provider.fail:
            raise RuntimeError(provider.fail)
        deliver(world, campaign, template, user, proof, rendered, render_vars)
    except Exception as exc:  # the provider's error surfaces in the request: the generic 400
        raise generic() from exc
