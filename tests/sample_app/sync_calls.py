"""The sample app's synchronous calls, written once: httpx.Client and requests.Session share
the surface they use (post/get with json, headers, auth, params; raise_for_status, json)."""
from __future__ import annotations

from typing import Any

from .urls import BOTAMP, CONVERTKIT, ESPUTNIK, HIGHLEVEL, HIGHLEVEL_VERSION, PARCELVOY


class SyncCalls:
    """The production code, over the module-level client it was given at import."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def convertkit_subscribe(self, api_key: str, form_id: int, email: str, first_name: str) -> Any:
        r = self.http.post(f"{CONVERTKIT}/forms/{form_id}/subscribe",
                           json={"api_key": api_key, "email": email, "first_name": first_name})
        r.raise_for_status()
        return r.json()["subscription"]

    def botamp_upsert(self, api_key: str, email: str, name: str) -> Any:
        r = self.http.post(f"{BOTAMP}/subscribers/create_or_update",
                           headers={"Authorization": f"Bearer {api_key}"},
                           json={"subscriber": {"email": email, "name": name}})
        r.raise_for_status()
        return r.json()

    def esputnik_add_contact(self, api_key: str, email: str, first_name: str,
                             base: str = ESPUTNIK) -> Any:
        r = self.http.post(f"{base}/contact", auth=("app", api_key),
                           json={"firstName": first_name,
                                 "channels": [{"type": "email", "value": email}]})
        r.raise_for_status()
        return r.json()

    def parcelvoy_identify(self, api_key: str, external_id: str, email: str) -> Any:
        r = self.http.post(f"{PARCELVOY}/client/identify",
                           headers={"Authorization": f"Bearer {api_key}"},
                           json={"external_id": external_id, "email": email})
        r.raise_for_status()
        return r.json() if r.content else None

    def highlevel_blog_sites(self, token: str, location_id: str) -> Any:
        r = self.http.get(f"{HIGHLEVEL}/blogs/site/all",
                          headers={"Authorization": f"Bearer {token}",
                                   "Version": HIGHLEVEL_VERSION},
                          params={"locationId": location_id, "skip": "0", "limit": "10"})
        r.raise_for_status()
        return r.json()["data"]
