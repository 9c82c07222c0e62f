"""Credentials by security-scheme name, from flags and the environment; secrets masked."""
from __future__ import annotations

import base64
import subprocess

import pytest

from mailmocks import apis
from mailmocks.check import credentials as creds


def test_scheme_or_parameter_name_in_any_case() -> None:
    contract = apis.load("convertkit").contract
    for name in ("api_secret", "apiSecret", "API-SECRET"):
        assert creds.resolve("convertkit", contract, [(name, "s3")], {}, True) == {
            "apiSecret": "s3"}


def test_environment_then_flags_win() -> None:
    contract = apis.load("convertkit").contract
    env = {"MAILMOCKS_CONVERTKIT_API_SECRET": "from-env", "MAILMOCKS_CONVERTKIT_API_KEY": "k",
           "MAILMOCKS_BOTAMP_BEARER": "not-ours"}
    assert creds.resolve("convertkit", contract, [], env, True) == {
        "apiSecret": "from-env", "apiKey": "k"}
    assert creds.resolve("convertkit", contract, [("api_secret", "flag")], env, True)[
        "apiSecret"] == "flag"
    assert creds.env_name("convertkit", "apiSecret") == "MAILMOCKS_CONVERTKIT_API_SECRET"
    assert creds.env_name("highlevel", "Location-Access") == "MAILMOCKS_HIGHLEVEL_LOCATION_ACCESS"


def test_unknown_name_and_bad_flag() -> None:
    contract = apis.load("botamp").contract
    with pytest.raises(creds.CredentialError, match="botamp has no credential 'token'"):
        creds.resolve("botamp", contract, [("token", "x")], {}, True)
    with pytest.raises(creds.CredentialError, match="NAME=VALUE"):
        creds.parse_flags(["bearer"])


def test_masked_curl_still_runs_in_a_shell() -> None:
    """The secret leaves the line; the shell puts it back from the variable."""
    secret, basic = "sk_live_abc123", "schemathesis:key-123"
    token = base64.b64encode(basic.encode()).decode()
    line = (f"echo 'https://x/v3/tags?api_secret={secret}' "
            f"'Authorization: Basic {token}'")
    masked = creds.mask(line, {"apiSecret": secret, "basicAuth": basic}, "convertkit")
    assert secret not in masked and token not in masked
    env = {"MAILMOCKS_CONVERTKIT_API_SECRET": secret,
           "MAILMOCKS_CONVERTKIT_BASIC_AUTH": basic, "PATH": "/usr/bin:/bin"}
    shown = subprocess.run(["sh", "-c", masked], env=env, capture_output=True, text=True,
                           check=True).stdout
    assert shown.strip() == (f"https://x/v3/tags?api_secret={secret} "
                             f"Authorization: Basic {token}")
