"""Parcelvoy's queue: what its jobs do after the API has answered (docs/vendors/parcelvoy.md
§5, §4.1).

Ingestion (`user_patch`, `user_alias`, `user_register_device`, `event_post`, `user_delete`)
and the trigger pipeline (`campaign_trigger_send_job`, then the channel job) run as jobs on
the shared clock, so nothing happens until `drain()` in tests (or the ticker when served).
A job that throws `Retry` is queued again, up to its attempts, then dropped silently, as
BullMQ does. The channel job awaits its render (`services.render`: a worker thread when
served). The user repository's upsert (`patch_user`) runs inline too, for the journey trigger.
"""
from __future__ import annotations

import copy
import inspect
import string
from collections.abc import Callable
from typing import Any

from .model import (
    SUBSCRIBED,
    UNSUBSCRIBED,
    Campaign,
    CampaignSend,
    Device,
    JourneyEntrance,
    Subscription,
    User,
    UserEvent,
    UserSubscription,
    World,
    fits_json,
    new_uuid,
    phone_traits,
    templates_of,
)
from .render import (
    RenderLimitError,
    SafeString,
    TemplateError,
    choose_template,
    event_record,
    flatten_user,
    render_message,
    send_context,
    template_problem,
)

API = "parcelvoy"
USER_FIELDS = ("email", "phone", "timezone", "locale")
USER_KEYS = {"external_id", "anonymous_id", "data", *USER_FIELDS}  # what a patch may name
RESERVED_TRIGGER_FIELDS = ("external_id", "email", "phone", "device_token", "locale", "timezone")


class Retry(Exception):
    """The job cannot run yet (e.g. the user does not exist); try again."""


class DataTooLong(Retry):
    """MySQL (strict mode) refuses a value longer than its VARCHAR column: the write fails,
    the job is retried and, on its last attempt, dropped; nothing is stored."""


USER_COLUMNS = {"external_id": 255, "anonymous_id": 255, "email": 255, "phone": 64,
                "timezone": 50, "locale": 255}  # the users table (db/migrations)


def _as_column(name: str, value: Any) -> Any:
    """What a VARCHAR column keeps of a value a Segment context may carry: MySQL casts a
    number or a boolean (knex sends true as 1) to text; an object fails the write."""
    if name not in USER_COLUMNS or value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e21 else repr(value)
    raise DataTooLong(f"Incorrect string value for column '{name}'")


def check_user_columns(fields: dict[str, Any]) -> None:
    for name, size in USER_COLUMNS.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > size:
            raise DataTooLong(f"Data too long for column '{name}'")


def enqueue(world: World, name: str, fn: Callable[[], Any], attempts: int = 3) -> None:
    jobs = world.services.jobs

    async def run(attempt: int) -> None:
        try:
            result = fn()
            if inspect.isawaitable(result):  # a send awaits its render (off the event loop)
                await result
        except Retry:
            if attempt < attempts:  # immediately, behind what is already queued
                jobs.submit(lambda: run(attempt + 1), name=f"{API}:{name}")

    jobs.submit(lambda: run(1), name=f"{API}:{name}")


# -- users (UserRepository / UserPatchJob) --------------------------------------------------
def patch_user(world: World, project_id: int, fields: dict[str, Any]) -> User:
    """UserPatchJob: find by external_id (wins) or anonymous_id, then update; else create.

    Only the keys present are written (knex leaves undefined columns alone); `data` is merged
    shallowly into the stored data; an update never writes `external_id`, and writes
    `anonymous_id` only when no user has it. A parseable phone adds `phone_country` and
    `phone_is_valid` to the data written (User.formatJson), so a phone without `data`
    replaces the stored data with those two (open question 7, read from the code). A key
    that is no column of `users` fails the write.
    """
    fields = {k: _as_column(k, v) for k, v in fields.items()}
    check_user_columns(fields)
    unknown = set(fields) - USER_KEYS
    if unknown:
        raise DataTooLong(f"Unknown column '{sorted(unknown)[0]}' in 'field list'")
    ext, anon = fields.get("external_id"), fields.get("anonymous_id")
    user = world.find_user(project_id, ext, anon)
    now = world.now
    data = fields.get("data") if isinstance(fields.get("data"), dict) else None
    phone = fields.get("phone")
    traits = phone_traits(phone) if isinstance(phone, str) and phone else None
    if user is None:
        if not fits_json(data or {}):
            raise DataTooLong("The JSON document exceeds the maximum depth")
        user = User(world.users.next_id(), project_id,
                    anon if isinstance(anon, str) else new_uuid(),
                    ext if isinstance(ext, str) else None, now, now,
                    data={**(data or {}), **(traits or {})})
        for key in USER_FIELDS:
            if key in fields:
                setattr(user, key, fields[key])
        world.users.put(user.id, user)
        for channel, reachable in (("email", user.email), ("text", user.phone)):
            if reachable:
                subscribe_channel(world, user, channel)
        created = {**(data or {}), **{k: fields[k] for k in USER_FIELDS if k in fields},
                   **{k: fields[k] for k in ("external_id", "anonymous_id") if k in fields}}
        enqueue(world, "event_post",
                lambda: add_event(world, user, "user_created", created), 2)
        return user
    written = {**user.data, **data} if data is not None else None
    if traits is not None:
        written = {**(written or {}), **traits}
    if written is not None:
        if not fits_json(written):
            raise DataTooLong("The JSON document exceeds the maximum depth")
        user.data = written
    for key in USER_FIELDS:
        if key in fields:
            setattr(user, key, fields[key])
    if isinstance(anon, str) and anon != user.anonymous_id and world.user_by_anonymous(
            project_id, anon) is None:
        user.anonymous_id = anon
    user.updated_at = now
    world.users.put(user.id, user)
    return user


def alias_user(world: World, project_id: int, anonymous_id: str, external_id: str) -> None:
    user = world.user_by_anonymous(project_id, anonymous_id)
    if user is None or world.user_by_external(project_id, external_id) is not None:
        return  # nobody to alias, or the external id is taken: an alias happens once
    user.external_id = external_id
    user.updated_at = world.now
    world.users.put(user.id, user)


def register_device(world: World, user: User, device: Device) -> None:
    """Same device_id or same non-null token: update in place; else append."""
    devices = user.devices if user.devices is not None else []
    first = not devices
    match = next((d for d in devices if d.device_id == device.device_id
                  or (device.token is not None and d.token == device.token)), None)
    if match is None:
        devices.append(device)
    else:
        for name in Device.__slots__:
            value = getattr(device, name)
            if value is not None or name == "token":
                setattr(match, name, value)
    user.devices = devices
    user.updated_at = world.now
    world.users.put(user.id, user)
    if first and device.token:
        subscribe_channel(world, user, "push")


def device_job(world: World, project_id: int, item: dict[str, Any]) -> Callable[[], None]:
    def run() -> None:
        user = world.find_user(project_id, item.get("external_id"), item.get("anonymous_id"))
        if user is None:
            raise Retry  # devices are never created for unknown users
        register_device(world, user, Device(
            item["device_id"], item.get("token"), item.get("os"), item.get("os_version"),
            item.get("model"), item.get("app_build"), item.get("app_version")))
    return run


def segment_alias(world: World, project_id: int, item: dict[str, Any]) -> None:
    """A Segment `alias` item: `previousId` (or `anonymousId`) names the user to alias."""
    previous, new_id = item.get("previousId"), item.get("userId")
    if not isinstance(new_id, str):
        return
    user = world.find_user(project_id, previous, previous) or world.find_user(
        project_id, None, item.get("anonymousId"))
    if user is not None and user.external_id is None and world.user_by_external(
            project_id, new_id) is None:
        alias_user(world, project_id, user.anonymous_id, new_id)


def delete_user(world: World, project_id: int, external_id: str) -> None:
    user = world.user_by_external(project_id, external_id)
    if user is None:
        return
    for table in (world.events, world.user_subscriptions, world.sends, world.entrances):
        for rid in list(table.ids("user", user.id)):
            table.delete(rid)
    world.users.delete(user.id)


# -- events (EventPostJob) -----------------------------------------------------------------
def add_event(world: World, user: User, name: str, data: dict[str, Any]) -> UserEvent:
    if not fits_json(data):  # user_events.data is a JSON column
        raise DataTooLong("The JSON document exceeds the maximum depth")
    if world.users.get(user.id) is None:  # deleted meanwhile
        return UserEvent(0, user.project_id, user.id, name, data, world.now)
    event = UserEvent(world.events.next_id(), user.project_id, user.id, name, data, world.now)
    world.events.put(event.id, event)
    enter_journeys(world, user, event)
    return event


def post_event(world: World, project_id: int, item: dict[str, Any]) -> tuple[User, UserEvent]:
    """Upsert the user when unknown or when `user` is given, then store the event."""
    user = world.find_user(project_id, item.get("external_id"), item.get("anonymous_id"))
    given = item.get("user")
    if user is None or given is not None:
        fields = {k: v for k, v in (given or {}).items() if k in (*USER_FIELDS, "data")}
        for key in ("external_id", "anonymous_id"):
            if key in item:
                fields[key] = item[key]
        user = patch_user(world, project_id, fields)
    if len(item["name"]) > 255:  # user_events.name: the insert fails after the upsert
        raise DataTooLong("Data too long for column 'name'")
    data = item.get("data")
    return user, add_event(world, user, item["name"], dict(data) if isinstance(data, dict)
                           else {})


# -- subscriptions --------------------------------------------------------------------------
def subscriptions_of(world: World, project_id: int, channel: str | None = None
                     ) -> list[Subscription]:
    return [s for i in world.subscriptions.ids("project", project_id)
            if (s := world.subscriptions.get(i)) is not None
            and (channel is None or s.channel == channel)]


def subscribe_channel(world: World, user: User, channel: str) -> None:
    """New contact data: subscribed to every subscription of that channel (if no row yet)."""
    for sub in subscriptions_of(world, user.project_id, channel):
        if world.user_subscriptions.by("pair", (user.id, sub.id)) is None:
            rid = world.user_subscriptions.next_id()
            world.user_subscriptions.put(rid, UserSubscription(
                rid, sub.id, user.id, SUBSCRIBED, world.now, world.now))


def set_subscription(world: World, user: User, sub: Subscription, state: int) -> None:
    row = world.user_subscriptions.by("pair", (user.id, sub.id))
    before = SUBSCRIBED if row is None else row.state
    if row is None:
        rid = world.user_subscriptions.next_id()
        row = UserSubscription(rid, sub.id, user.id, state, world.now, world.now)
    row.state, row.updated_at = state, world.now
    world.user_subscriptions.put(row.id, row)
    if (state == UNSUBSCRIBED) != (before == UNSUBSCRIBED):
        add_event(world, user, "unsubscribed" if state == UNSUBSCRIBED else "subscribed",
                  {"subscription_id": sub.id, "subscription_name": sub.name,
                   "channel": sub.channel})


# -- journeys -------------------------------------------------------------------------------
def enter_journeys(world: World, user: User, event: UserEvent) -> None:
    """Entrance steps waiting for this event name are entered."""
    for jid in world.journeys.ids("project", user.project_id):
        journey = world.journeys.get(jid)
        if journey is None or not journey.published:
            continue
        for step in journey.steps.values():
            if step.type == "entrance" and step.event_name == event.name:
                enter_journey(world, journey.id, step.id, user)


def enter_journey(world: World, journey_id: int, step_id: int, user: User) -> JourneyEntrance:
    rid = world.entrances.next_id()
    entrance = JourneyEntrance(rid, journey_id, user.id, step_id, world.now)
    world.entrances.put(rid, entrance)

    def process() -> None:  # JourneyProcessJob: the fake's journeys end at their entrance
        entrance.ended_at = world.now
    enqueue(world, "journey_process", process)
    return entrance


# -- campaign trigger (CampaignTriggerSendJob, triggerCampaignSend) -----------------------
def campaign_trigger_send(world: World, project_id: int, campaign_id: int,
                          user_in: dict[str, Any], event_in: dict[str, Any]) -> None:
    campaign = world.live_campaign(project_id, campaign_id)
    if campaign is None:
        return  # gone since the request: stop silently
    data = {k: v for k, v in user_in.items() if k not in RESERVED_TRIGGER_FIELDS}
    user_fields: dict[str, Any] = {k: user_in[k] for k in ("external_id", *USER_FIELDS)
                                   if k in user_in}
    user_fields["data"] = data
    user, event = post_event(world, project_id, {
        "name": "campaign_trigger", "external_id": user_in["external_id"],
        "data": {**event_in, "campaign": {"id": campaign.id, "name": campaign.name}},
        "user": user_fields})
    token = user_in.get("device_token")
    if isinstance(token, str) and token:
        register_device(world, user, Device(token, token))
    trigger_send(world, campaign, user, event, "trigger")


def trigger_send(world: World, campaign: Campaign, user: User, event: UserEvent | None,
                 reference_type: str) -> CampaignSend | None:
    if world.subscription_state(user, campaign.subscription_id) == UNSUBSCRIBED:
        return None  # silently: no send row
    now = world.now
    send = CampaignSend(world.sends.next_id(), campaign.id, user.id, new_uuid(), reference_type,
                        "pending", now, now, now)
    world.sends.put(send.id, send)
    campaign.total += 1
    event_id = event.id if event is not None else None
    enqueue(world, campaign.channel, lambda: channel_send(world, send.id, event_id))
    return send


def _hashid(n: int) -> str:
    digits = string.digits + string.ascii_uppercase
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return "PV" + out.rjust(8, "0")


def _finish(world: World, send: CampaignSend, user: User, state: str,
            context: dict[str, Any] | None, error: str | None = None) -> None:
    send.state, send.updated_at, send.error = state, world.now, error
    world.sends.put(send.id, send)
    campaign = world.campaigns.get(send.campaign_id)
    if state == "sent" and campaign is not None:
        campaign.sent += 1
    if context is not None and state in ("sent", "failed"):
        channel = context["channel"]
        data = dict(context) if state == "sent" else {**context, "error": error}
        add_event(world, user, f"{channel}_{state}", data)


async def channel_send(world: World, send_id: int, event_id: int | None) -> None:
    """loadSendJob -> prepareSend -> channel.send, with the send-state rules of
    docs/vendors/parcelvoy.md §4.1 (step 6)."""
    send = world.sends.get(send_id)
    if send is None:
        return
    campaign = world.campaigns.get(send.campaign_id)
    user = world.users.get(send.user_id)
    if campaign is None or user is None:
        return
    if world.subscription_state(user, campaign.subscription_id) == UNSUBSCRIBED:
        return _finish(world, send, user, "aborted", None, "unsubscribed")
    project = world.projects[campaign.project_id]
    template = choose_template(world, templates_of(world, campaign), user.locale, project.locale)
    if template is None:
        return _finish(world, send, user, "failed", None, "no template")
    context = send_context(campaign, template, send.reference_type, send.reference_id)
    problem = template_problem(campaign.channel, template.data)
    if problem:
        return _finish(world, send, user, "failed", context, problem)
    provider = world.providers.get(campaign.provider_id)
    if provider is None or provider.group != campaign.channel:
        return _finish(world, send, user, "aborted", None, "no provider")
    event = world.events.get(event_id) if event_id is not None else None
    base = world.public_url
    uid, cid = _hashid(user.id), _hashid(campaign.id)
    variables = {
        "user": flatten_user(user), "event": event_record(event), "journey": {},
        "context": context,
        "unsubscribeEmailUrl": SafeString(
            f"{base}/api/unsubscribe/email?u={uid}&c={cid}&s={send.reference_id}"),
        "preferencesUrl": SafeString(f"{base}/api/unsubscribe/preferences/{uid}")}
    try:  # rendered at the fake's clock, under the render limits
        rendered = await world.services.render(
            render_message, campaign.channel, copy.deepcopy(template.data), variables,
            now=world.services.clock.utcnow())
    except RenderLimitError as exc:  # e.g. "template exceeded 100,000 loop iterations ..."
        return _finish(world, send, user, "failed", context, exc.reason)
    except TemplateError as exc:  # the template does not parse, or Handlebars throws
        return _finish(world, send, user, "failed", context, str(exc))
    try:
        if provider.fail:
            raise RuntimeError(provider.fail)
        delivered = deliver(world, campaign, template, user, send, rendered, variables)
    except Exception as exc:  # a provider error: failed + <channel>_failed
        return _finish(world, send, user, "failed", context, str(exc) or type(exc).__name__)
    if delivered:
        _finish(world, send, user, "sent", context)
    # push with no token-bearing device: nothing sent, the row stays pending


def deliver(world: World, campaign: Campaign, template: Any, user: User, send: CampaignSend,
            out: dict[str, Any], variables: dict[str, Any]) -> bool:
    """Hand the rendered message to the (fake) provider: the outbox."""
    outbox, base = world.services.outbox, world.public_url
    meta = {"campaign_id": campaign.id, "send_id": send.id, "template_id": template.id,
            "user_id": user.id, "external_id": user.external_id,
            "reference_type": send.reference_type, "reference_id": send.reference_id,
            "locale": template.locale}
    common: dict[str, Any] = {"api": API, "kind": send.reference_type or "send",
                              "tenant": campaign.project_id, "meta": meta,
                              "data": _plain(variables)}
    channel = campaign.channel
    if channel == "email":
        if not user.email:
            raise RuntimeError("Unable to send an email to a user without an email address")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in user.email):
            # stored as given (no format check; MySQL keeps a NUL), but no mail provider
            # takes such a recipient (RFC 5321 forbids control characters)
            raise RuntimeError(f"Invalid recipient address: {user.email!r}")
        sender = out["from"]
        sender_text = (f"{sender['name']} <{sender['address']}>" if isinstance(sender, dict)
                       and sender.get("name") else
                       sender["address"] if isinstance(sender, dict) else str(sender))
        uid, cid = _hashid(user.id), _hashid(campaign.id)
        pixel = (f'<img border="0" width="1" height="1" alt="" '
                 f'src="{base}/api/o?u={uid}&c={cid}&s={send.reference_id}" />')
        html = out.get("html", "")
        html = html.replace("</body>", pixel + "</body>") if "</body>" in html else html + pixel
        meta.update({"from": sender, "reply_to": out.get("reply_to"), "cc": out.get("cc"),
                     "bcc": out.get("bcc"), "preheader": out.get("preheader"),
                     "headers": {"X-Campaign-Id": cid,
                                 "X-Subscription-Id": _hashid(campaign.subscription_id),
                                 "List-Unsubscribe":
                                     f"<{variables['unsubscribeEmailUrl']}>"}})
        msg = outbox.add(channel="email", to=user.email, sender=sender_text,
                         subject=out.get("subject", ""), html=html, text=out.get("text", ""),
                         template=str(template.data.get("html", "")), **common)
        send.message_ids.append(msg.id)
        return True
    if channel == "text":
        if not user.phone:
            raise RuntimeError("Unable to send a text message to a user without a phone number")
        text = out["text"]
        project = world.projects[campaign.project_id]
        first = not any(e.name == "text_sent" for i in world.events.ids("user", user.id)
                        if (e := world.events.get(i)) is not None)
        if first and project.text_opt_out_message:
            text = f"{text}\n{project.text_opt_out_message}"
        msg = outbox.add(channel="sms", to=user.phone, text=text,
                         template=str(template.data.get("text", "")), **common)
        send.message_ids.append(msg.id)
        return True
    if channel == "push":
        tokens = [d.token for d in user.devices or [] if d.token]
        meta.update({"topic": out.get("topic"), "custom": out.get("custom"),
                     "url": out.get("url"), "tokens": tokens})
        for token in tokens:
            msg = outbox.add(channel="push", to=token, subject=out["title"], text=out["body"],
                             template=str(template.data.get("body", "")), **common)
            send.message_ids.append(msg.id)
        return bool(tokens)
    method = str(out.get("method") or "POST").upper()
    meta.update({"method": method, "headers": out["headers"]})
    msg = outbox.add(channel="webhook", to=out["endpoint"], subject=method,
                     text=str(out["body"]), template=str(template.data.get("endpoint", "")),
                     **common)
    send.message_ids.append(msg.id)
    if method == "POST" and out["endpoint"].startswith(("http://", "https://")):
        world.services.webhooks.send(api=API, event="webhook_campaign", url=out["endpoint"],
                                     payload=out["body"], headers=out["headers"])
    return True


def _plain(value: Any) -> Any:
    """The render variables as plain data (SafeStrings back to str) for the outbox."""
    if isinstance(value, SafeString):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


