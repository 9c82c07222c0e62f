"""What is sent: each scenario is one mailmocks request and its bare equivalent."""
from __future__ import annotations

from dataclasses import dataclass

import orjson

# The fixture credentials of the ConvertKit fake (fixtures/convertkit.*).
CK_API_KEY = "ck_pub_8Xq2LmN4vR7tY1wZ"
CK_API_SECRET = "ck_sec_Jp3Hd9Kf2Ls8Qw5Ez1Cx7Vb4Nm6"

# Distinct emails the load generator cycles through: the first pass creates subscribers,
# later ones find them (the fake's find-or-create), so the world stops growing after this.
EMAILS = 1000


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    bodies: tuple[bytes, ...] = ()

    def raw_requests(self, host: str, port: int) -> list[bytes]:
        """Pre-encoded HTTP/1.1 keep-alive requests, headers as wrk would send them."""
        common = f"{self.method} {self.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        if not self.bodies:
            return [(common + "\r\n").encode()]
        return [(common + "Content-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                for body in self.bodies]

    def wrk_lua(self) -> str | None:
        """wrk sends one fixed request; for a POST that is the first body (a fixed email)."""
        if not self.bodies:
            return None
        body = self.bodies[0].decode().replace("\\", "\\\\").replace('"', '\\"')
        return (f'wrk.method = "{self.method}"\n'
                f'wrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/json"\n')


@dataclass(frozen=True)
class Scenario:
    name: str
    mailmocks: Target
    bare: Target


def _subscribe_bodies() -> tuple[bytes, ...]:
    return tuple(orjson.dumps({"api_key": CK_API_KEY, "email": f"bench+{n}@example.com",
                               "first_name": "Bench"}) for n in range(EMAILS))


def scenarios() -> list[Scenario]:
    bodies = _subscribe_bodies()
    return [
        Scenario("CK form subscribe (POST)",
                 Target("POST", "/convertkit/v3/forms/3001/subscribe", bodies),
                 Target("POST", "/subscribe", bodies)),
        Scenario("CK subscribers page 2 (GET)",
                 Target("GET", f"/convertkit/v3/subscribers?api_secret={CK_API_SECRET}&page=2"),
                 Target("GET", "/page")),
    ]
