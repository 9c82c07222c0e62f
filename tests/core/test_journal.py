from __future__ import annotations

from mailmocks.core.journal import Journal


def test_secrets_are_redacted_when_read_and_bodies_clipped() -> None:
    journal = Journal(maxlen=2)
    entry = journal.start("request", "x", 0.0, method="POST", path="/p",
                          query={"api_secret": "s3cret", "page": "2"},
                          request_body={"api_key": "k", "nested": [{"token": "t", "a": 1}]})
    journal.finish(entry, 200, b'{"ok": true, "password": "pw"}', 1.23456)
    record = journal.records()[0]
    assert record["query"] == {"api_secret": "[redacted]", "page": "2"}
    assert record["request_body"] == {"api_key": "[redacted]",
                                      "nested": [{"token": "[redacted]", "a": 1}]}
    assert record["response_body"] == {"ok": True, "password": "[redacted]"}
    assert record["duration_ms"] == 1.235
    big = journal.start("request", "x", 0.0)
    journal.finish(big, 200, b"x" * 10_000, 1.0)
    assert len(journal.entries()[-1].response_body) == 4096 + 3


def test_journal_is_bounded() -> None:
    journal = Journal(maxlen=2)
    for i in range(5):
        journal.start("request", "x", float(i))
    assert [e.at for e in journal.entries()] == [3.0, 4.0]
