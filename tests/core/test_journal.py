from __future__ import annotations

import threading

from mailmocks.core.journal import CLIP_MARK, Journal


def test_secrets_are_redacted_when_read_and_bodies_clipped() -> None:
    journal = Journal(maxlen=2, body_bytes=4096)
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
    kept = journal.entries()[-1]
    assert kept.clipped and kept.response_body == b"x" * 4096 + CLIP_MARK.encode()


def test_secrets_inside_clipped_text_are_redacted() -> None:
    journal = Journal(body_bytes=64)
    entry = journal.start("request", "x", 0.0)
    journal.set_request(entry, b'{"api_secret": "s3cret", "pad": "' + b"p" * 200 + b'"}')
    form = journal.start("request", "x", 0.0)
    journal.set_request(form, b"api_key=k3y&email=" + b"e" * 200,
                        "application/x-www-form-urlencoded")
    first, second = journal.records()
    assert "s3cret" not in first["request_body"] and first["request_body"].endswith(CLIP_MARK)
    assert "k3y" not in second["request_body"]


def test_journal_is_bounded_by_count() -> None:
    journal = Journal(maxlen=2)
    for i in range(5):
        journal.start("request", "x", float(i))
    assert [e.at for e in journal.entries()] == [3.0, 4.0]


def test_journal_is_bounded_by_bytes_whatever_the_bodies() -> None:
    journal = Journal(maxlen=10_000, body_bytes=16 << 10, max_bytes=1 << 20)
    for i in range(500):
        entry = journal.start("request", "x", float(i))
        journal.set_request(entry, b"y" * (10 << 20))  # a 10 MB body: only its head is kept
        journal.finish(entry, 401, b"z" * 100_000, 1.0)
    assert journal.bytes <= 1 << 20
    assert sum(e.size for e in journal.entries()) == journal.bytes
    assert 0 < len(journal) < 500 and journal.entries()[-1].at == 499.0
    journal.clear()
    assert journal.bytes == 0 and len(journal) == 0


def test_reading_while_threads_append_never_breaks() -> None:
    journal = Journal(maxlen=50)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            journal.finish(journal.start("webhook", "x", 0.0), 200, b"{}", 0.1)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(300):
            assert len(journal.records()) <= 50
    finally:
        stop.set()
        for t in threads:
            t.join()
