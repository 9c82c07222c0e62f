"""One process-wide patch of httpx (respx) and requests (requests-mock) while any
interception is active; each request goes to the innermost interception that fakes its host.

respx patches httpcore's connection pools, so clients created before the patch are caught
too; requests-mock patches `Session.get_adapter`, likewise for existing sessions.
"""
from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import respx
from respx.mocks import HTTPCoreMocker

if TYPE_CHECKING:
    import requests


class Target(Protocol):
    """What an interception offers the patch: answers for the hosts it fakes."""

    def owns(self, host: str) -> bool: ...
    def passes(self, host: str) -> bool: ...
    def handle(self, request: httpx.Request) -> httpx.Response: ...
    async def ahandle(self, request: httpx.Request) -> httpx.Response: ...
    def refuse(self, request: httpx.Request) -> Exception: ...


_in_async = contextvars.ContextVar("mailmocks_in_async", default=False)


class _Router(respx.MockRouter):
    """respx calls side effects the same way for sync and async clients; tell them apart."""

    async def aresolve(self, request: httpx.Request) -> Any:
        token = _in_async.set(True)
        try:
            return await super().aresolve(request)
        finally:
            _in_async.reset(token)


_lock = threading.Lock()
_active: list[Target] = []
_router: _Router | None = None
_requests: Any = None  # the requests_mock.Mocker, when requests is installed


def _target(host: str) -> Target | None:
    for target in reversed(_active):
        if target.owns(host):
            return target
    return None


def _effect(request: httpx.Request) -> Any:
    host = request.url.host
    target = _target(host)
    if target is None:
        if any(t.passes(host) for t in _active):
            return request  # respx: pass through
        if len(HTTPCoreMocker.routers) > 1:
            return None  # another respx router (the user's own) may answer it
        raise _active[-1].refuse(request)
    if _in_async.get():
        return target.ahandle(request)
    return target.handle(request)


def _requests_matcher(request: Any) -> requests.Response | None:
    import requests_mock

    host = (request.hostname or "").lower()
    target = _target(host)
    if target is None:
        if any(t.passes(host) for t in _active):
            return None  # requests-mock's real_http sends it
        raise _active[-1].refuse(_as_httpx(request))
    answer = target.handle(_as_httpx(request))
    response: requests.Response = requests_mock.create_response(
        request, status_code=answer.status_code, content=answer.content,
        headers=dict(answer.headers), reason=answer.reason_phrase)
    return response


def _as_httpx(request: Any) -> httpx.Request:
    body = request.body
    if body is None:
        content = b""
    elif isinstance(body, str):
        content = body.encode("utf-8")
    elif isinstance(body, bytes):
        content = body
    else:  # an iterable or file-like body
        content = body.read() if hasattr(body, "read") else b"".join(body)
    return httpx.Request(request.method, request.url, headers=dict(request.headers),
                         content=content)


def activate(target: Target) -> None:
    global _router, _requests
    with _lock:
        _active.append(target)
        if _router is not None:
            return
        router = _Router(assert_all_called=False, assert_all_mocked=True)
        router.route().mock(side_effect=_effect)
        router.start()
        _router = router
        try:
            import requests_mock
        except ImportError:  # requests is optional for a user of httpx only
            return
        mocker = requests_mock.Mocker(real_http=True)
        mocker.add_matcher(_requests_matcher)
        mocker.start()
        _requests = mocker


def deactivate(target: Target) -> None:
    global _router, _requests
    with _lock:
        if target in _active:
            _active.remove(target)
        if _active or _router is None:
            return
        _router.stop(quiet=True)
        _router = None
        if _requests is not None:
            _requests.stop()
            _requests = None
