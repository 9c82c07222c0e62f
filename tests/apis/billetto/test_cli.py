"""`mailmocks billetto emit` (mailmocks/apis/billetto/cli.py): through a running sandbox or
`--direct`. The verb is contributed by HighLevel, the API that carries Billetto
(`HighLevelApi.add_commands`); mailmocks/cli.py itself names no vendor."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import Receiver

import mailmocks.cli
from mailmocks import apis, billetto
from mailmocks.testing.highlevel import Mock as HighLevelMock


def mailmocks_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailmocks", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_emits_through_the_sandbox_and_directly(highlevel_live: HighLevelMock,
                                                    receiver: Receiver) -> None:
    through = mailmocks_cli("billetto", "emit", "attendee.created", "--url", receiver.url,
                            "--sandbox", highlevel_live.root, "--data", '{"first_name": "Cli"}',
                            "--json")
    assert through.returncode == 0, through.stderr
    assert json.loads(through.stdout)["deliveries"][0]["state"] == "delivered"
    secret = highlevel_live.billetto.secret
    direct = mailmocks_cli("billetto", "emit", "event.published", "--direct", "--url",
                           receiver.url, "--secret", secret, "--json")
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout)["status"] == 200
    bodies = receiver.bodies("/")
    assert [e["action"] for e in bodies] == ["attendee.created", "event.published"]
    assert bodies[0]["data"]["first_name"] == "Cli"
    for hit in receiver.hits:
        billetto.verify(hit["raw"], hit["headers"]["billetto-signature"], secret)
    journal = highlevel_live.http.get(f"{highlevel_live.root}/_admin/journal",
                                      params={"api": "billetto"}).json()
    assert [e["status"] for e in journal] == [200]  # the direct one never saw the sandbox


def test_bad_invocations_are_clear_errors() -> None:
    bad = mailmocks_cli("billetto", "emit", "order.completed", "--direct")
    assert bad.returncode == 2 and "--direct needs" in bad.stderr
    assert mailmocks.cli.main(["billetto", "emit", "order.completed", "--data", "{nope"]) == 2
    unknown = mailmocks_cli("billetto", "emit", "order.refunded")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    refused = mailmocks_cli("billetto", "emit", "order.completed",
                            "--sandbox", "http://127.0.0.1:9")  # nothing listens
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "no sandbox at http://127.0.0.1:9" in refused.stderr and "--sandbox" in refused.stderr


def test_a_one_line_summary_unless_json(highlevel_live: HighLevelMock,
                                        receiver: Receiver) -> None:
    line = mailmocks_cli("billetto", "emit", "order.completed", "--url", receiver.url,
                         "--sandbox", highlevel_live.root)
    assert line.returncode == 0, line.stderr
    assert line.stdout == f"order.completed -> 1 delivery(ies): {receiver.url} delivered (200)\n"


def test_direct_data_the_event_cannot_be_built_from_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """issue 18: a list `data`, a list id or a URL without a host were tracebacks."""
    base = ["billetto", "emit", "event.published", "--direct", "--secret", "s"]
    for extra, words in [(["--url", "http://127.0.0.1:9", "--data", "[1]"], "JSON object"),
                         (["--url", "http://127.0.0.1:9", "--data", '{"id": [1]}'],
                          "data.id must be an integer"),
                         (["--url", "ftp://x"], "url must be an http")]:
        assert mailmocks.cli.main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("mailmocks: ") and words in err and "Traceback" not in err


def test_the_verb_comes_from_the_api_that_carries_billetto() -> None:
    parser = argparse.ArgumentParser()
    runners = apis.load("highlevel").add_commands(parser.add_subparsers(dest="command"))
    assert set(runners) == {"billetto"}
    args = parser.parse_args(["billetto", "emit", "event.updated", "--direct"])
    assert (args.action, args.direct, args.sandbox) == ("event.updated", True,
                                                        "http://127.0.0.1:8025")
    source = Path(mailmocks.cli.__file__).read_text().lower()
    for vendor in [*apis.names(), "billetto"]:
        assert vendor not in source
