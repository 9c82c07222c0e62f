"""The vendors' production URLs, as an app hard-codes them (Parcelvoy is self-hosted)."""
from __future__ import annotations

CONVERTKIT = "https://api.convertkit.com/v3"
BOTAMP = "https://www.botamp.com/api"
ESPUTNIK = "https://esputnik.com/api/v1"
YESPO = "https://yespo.io/api/v1"
PARCELVOY = "https://parcelvoy.acme.test/api"
PARCELVOY_HOST = "parcelvoy.acme.test"
HIGHLEVEL = "https://services.leadconnectorhq.com"
HIGHLEVEL_VERSION = "2021-07-28"
