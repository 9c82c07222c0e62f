"""`mailmocks check`: contract checks for CI against the fake, a served sandbox or any server.

command.py  the flags and one run over the APIs (exit 0, 1 or 2)
targets.py  in-process fake, served sandbox, any server (a forwarder that waits out 429s)
runner.py   schemathesis' engine over one API, its events turned into results
credentials.py  --credential / MAILMOCKS_<API>_<NAME> by security scheme; secrets masked
results.py  per API and operation: requests, statuses, checks, distinct failures
report.py, junit.py, jsonreport.py  what people and CI read
journal.py  --journal: the requests a client sent, validated against the contracts
"""
from __future__ import annotations

from .command import add_command, run

__all__ = ["add_command", "run"]
