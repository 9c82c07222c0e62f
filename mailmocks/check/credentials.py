"""Credentials for a server other than the in-process fake: flags and environment.

A credential is named by the contract's security scheme (`apiSecret`, `bearer`) or by the
parameter the scheme names (`api_secret`); case and `_`/`-` do not matter, so the flag
`--credential api_secret=...` and the variable `MAILMOCKS_CONVERTKIT_API_SECRET` both reach
ConvertKit's `apiSecret` scheme. Where each value goes (query, header, Basic, Bearer) is the
scheme's business: `mailmocks.checks.apply_credentials`.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..core import Contract


class CredentialError(ValueError):
    """A credential the contract has no scheme for, or a flag that is not NAME=VALUE."""


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def aliases(contract: Contract) -> dict[str, str]:
    """Every accepted spelling (normalised) -> the security scheme's name."""
    out: dict[str, str] = {}
    for scheme, spec in contract.security_schemes.items():
        out[_key(scheme)] = scheme
        if spec.get("type") == "apiKey" and spec.get("name"):
            out.setdefault(_key(str(spec["name"])), scheme)
    return out


def env_prefix(api: str) -> str:
    return f"MAILMOCKS_{api.upper()}_"


def parse_flags(flags: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep or not name:
            raise CredentialError(f"--credential wants NAME=VALUE, got {flag!r}")
        pairs.append((name, value))
    return pairs


def resolve(api: str, contract: Contract, flags: Sequence[tuple[str, str]],
            environ: Mapping[str, str], strict_flags: bool) -> dict[str, str]:
    """Scheme name -> value. Flags win over the environment; a flag naming no scheme of this
    contract is an error when only one API is checked (`strict_flags`), else it is left to
    the API it belongs to."""
    known = aliases(contract)
    found: dict[str, str] = {}
    prefix = env_prefix(api)
    for var, value in environ.items():
        if var.startswith(prefix) and _key(var[len(prefix):]) in known:
            found[known[_key(var[len(prefix):])]] = value
    for name, value in flags:
        scheme = known.get(_key(name))
        if scheme is None:
            if strict_flags:
                names = ", ".join(sorted(contract.security_schemes)) or "none"
                raise CredentialError(f"{api} has no credential {name!r}; its security "
                                      f"schemes: {names}")
            continue
        found[scheme] = value
    return found


def spelling(scheme: str, spec: dict[str, Any]) -> str:
    """How a user would write the credential: the parameter an API key is sent as, else
    the scheme's name."""
    name = spec.get("name") if spec.get("type") == "apiKey" else None
    return str(name or scheme)


def env_name(api: str, scheme: str) -> str:
    """The variable a scheme is read from: apiSecret -> MAILMOCKS_<API>_API_SECRET."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", scheme)
    return env_prefix(api) + re.sub(r"[^A-Z0-9]+", "_", words.upper())


def mask(text: str, credentials: Mapping[str, str], api: str) -> str:
    """`text` (a curl line) with each secret replaced by its environment variable, spliced
    into the single-quoted shell word so the line still runs and shows no secret."""
    for scheme, value in credentials.items():
        if len(value) < 4:
            continue
        var = env_name(api, scheme)
        basic = base64.b64encode(value.encode()).decode()
        text = text.replace(basic, f"'\"$(printf %s \"${var}\" | base64)\"'")
        for form in sorted({value, quote(value, safe=""), quote(value)}, key=len, reverse=True):
            text = text.replace(form, f"'\"${var}\"'")
    return text
