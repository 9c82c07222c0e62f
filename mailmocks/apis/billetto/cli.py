"""`mailmocks billetto emit ACTION`: one signed Billetto event from the shell.

Through a running sandbox (the event is journaled there, sent to `--url` or the registered
targets), or with `--direct` built, signed and posted from this process. The verb is added by
the API that carries Billetto (`Api.add_commands`), which names where its routes are served.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from .payloads import ACTIONS, Payloads
from .sandbox import PREFIX
from .signing import SIGNATURE_HEADER, sign
from .source import USER_AGENT, checked_url

Runner = Callable[[argparse.Namespace], int]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], *,
                 carrier: str) -> dict[str, Runner]:
    """Add `billetto emit` to the CLI; `carrier` is the API whose sandbox serves the routes."""
    billetto = commands.add_parser("billetto", help="fire signed Billetto webhooks")
    verbs = billetto.add_subparsers(dest="verb", required=True)
    emit = verbs.add_parser(
        "emit", help="send one Billetto webhook event",
        description="Ask a running sandbox to send one signed Billetto event (journaled "
                    "there), or build, sign and post it from here with --direct.")
    emit.add_argument("action", choices=list(ACTIONS))
    emit.add_argument("--url", help="where to POST it (default: the sandbox's registered targets)")
    emit.add_argument("--secret", help="signing secret (default: the sandbox's)")
    emit.add_argument("--data", default=None, metavar="JSON",
                      help='fields to set in "data", e.g. \'{"id": 123456}\'')
    emit.add_argument("--sandbox", default="http://127.0.0.1:8025",
                      help="the running sandbox (default http://127.0.0.1:8025)")
    emit.add_argument("--direct", action="store_true",
                      help="send from this process (needs --url and --secret)")
    emit.add_argument("--json", action="store_true",
                      help="print the whole result (payload, every delivery) as JSON instead "
                           "of a one-line summary")

    def run(args: argparse.Namespace) -> int:
        return emit_command(args, carrier)

    return {"billetto": run}


def emit_command(args: argparse.Namespace, carrier: str) -> int:
    try:
        data = json.loads(args.data) if args.data else None
    except json.JSONDecodeError as exc:
        print(f"mailmocks: --data is not JSON: {exc}", file=sys.stderr)
        return 2
    try:
        if args.direct:
            if not (args.url and args.secret):
                print("mailmocks: --direct needs --url and --secret", file=sys.stderr)
                return 2
            try:
                result = emit_direct(args.action, args.url, args.secret, data=data)
            except ValueError as exc:  # --data or --url the event cannot be built from
                print(f"mailmocks: {exc}", file=sys.stderr)
                return 2
        else:
            result = emit_via_sandbox(args.sandbox, args.action, args.url, secret=args.secret,
                                      data=data, carrier=carrier)
    except httpx.ConnectError:
        if args.direct:
            print(f"mailmocks: nothing answers at {args.url} (connection refused)",
                  file=sys.stderr)
        else:
            print(f"mailmocks: no sandbox at {args.sandbox} (connection refused); start one "
                  "with `mailmocks serve`, or name yours with --sandbox URL", file=sys.stderr)
        return 1
    except (httpx.HTTPError, RuntimeError) as exc:
        where = args.url if args.direct else args.sandbox
        print(f"mailmocks: {where}: {' '.join(str(exc).split()) or type(exc).__name__}",
              file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str) if args.json else summary(args.action, result))
    return 0


def summary(action: str, result: dict[str, Any]) -> str:
    """One line: the event and where it went, with each answer."""
    if "deliveries" not in result:  # --direct
        return f"{action} -> {result['url']}: {result['status']}"
    deliveries = result["deliveries"]
    if not deliveries:
        return f"{action}: no target registered (pass --url, or register one in the sandbox)"
    parts = []
    for d in deliveries:
        last = (d.get("attempts") or [{}])[-1]
        answer = last.get("status") or last.get("error") or "no answer yet"
        parts.append(f"{d['url']} {d['state']} ({answer})")
    return f"{action} -> {len(deliveries)} delivery(ies): " + "; ".join(parts)


def emit_via_sandbox(sandbox: str, action: str, url: str | None = None, *, carrier: str,
                     secret: str | None = None, data: dict[str, Any] | None = None,
                     wait: float = 10.0) -> dict[str, Any]:
    """POST to a running sandbox's emitter (served by the API `carrier`), then wait (up to
    `wait` s) for the delivery."""
    base = f"{sandbox.rstrip('/')}/{carrier}{PREFIX}"
    spec = {k: v for k, v in {"action": action, "url": url, "secret": secret,
                              "data": data}.items() if v is not None}
    with httpx.Client(trust_env=False, timeout=10) as http:
        answer = http.post(f"{base}/emit", json=spec)
        if answer.status_code != 202:
            raise RuntimeError(f"sandbox refused: {answer.status_code} {answer.text}")
        result: dict[str, Any] = answer.json()
        deadline = time.monotonic() + wait
        for i, d in enumerate(result["deliveries"]):
            while d["state"] == "pending" and time.monotonic() < deadline:
                time.sleep(0.05)
                d = http.get(f"{base}/deliveries/{d['id']}").json()
            result["deliveries"][i] = d
    return result


def emit_direct(action: str, url: str, secret: str, *, data: dict[str, Any] | None = None,
                seed: int = 0) -> dict[str, Any]:
    """Build, sign and POST one event from this process (no sandbox, no journal, so the real
    time, not a sandbox clock)."""
    if data is not None and not isinstance(data, dict):
        raise ValueError("data must be a JSON object")
    checked_url(url)
    now = time.time()
    payload = Payloads({}, seed).build(action, now, data)
    body = orjson.dumps(payload)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               SIGNATURE_HEADER: sign(body, secret, int(now))}
    with httpx.Client(trust_env=False, timeout=10) as http:
        answer = http.post(url, content=body, headers=headers)
    return {"payload": payload, "url": url, "status": answer.status_code,
            "response": answer.text[:2000]}
