"""Signing people up with httpx.AsyncClient."""
from __future__ import annotations

from typing import Any

import httpx

from .urls import BOTAMP, CONVERTKIT, ESPUTNIK, HIGHLEVEL, HIGHLEVEL_VERSION, PARCELVOY

http = httpx.AsyncClient(timeout=10)  # created long before any test fixture


async def convertkit_subscribe(api_key: str, form_id: int, email: str, first_name: str) -> Any:
    r = await http.post(f"{CONVERTKIT}/forms/{form_id}/subscribe",
                  json={"api_key": api_key, "email": email, "first_name": first_name})
    r.raise_for_status()
    return r.json()["subscription"]


async def botamp_upsert(api_key: str, email: str, name: str) -> Any:
    r = await http.post(f"{BOTAMP}/subscribers/create_or_update",
                  headers={"Authorization": f"Bearer {api_key}"},
                  json={"subscriber": {"email": email, "name": name}})
    r.raise_for_status()
    return r.json()


async def esputnik_add_contact(api_key: str, email: str, first_name: str,
                         base: str = ESPUTNIK) -> Any:
    r = await http.post(f"{base}/contact", auth=("app", api_key),
                  json={"firstName": first_name,
                        "channels": [{"type": "email", "value": email}]})
    r.raise_for_status()
    return r.json()


async def parcelvoy_identify(api_key: str, external_id: str, email: str) -> Any:
    r = await http.post(f"{PARCELVOY}/client/identify",
                  headers={"Authorization": f"Bearer {api_key}"},
                  json={"external_id": external_id, "email": email})
    r.raise_for_status()
    return r.json() if r.content else None


async def highlevel_blog_sites(token: str, location_id: str) -> Any:
    r = await http.get(f"{HIGHLEVEL}/blogs/site/all",
                 headers={"Authorization": f"Bearer {token}", "Version": HIGHLEVEL_VERSION},
                 params={"locationId": location_id, "skip": 0, "limit": 10})
    r.raise_for_status()
    return r.json()["data"]
