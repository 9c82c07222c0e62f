"""`mailmocks check --journal`: requests a client sent, judged by the contract."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mailmocks.cli import main
from mailmocks.testing import make_mock


def _journal(tmp_path: Path, bad: bool) -> Path:
    """What an app did during an end-to-end run, exported as the sandbox serves it."""
    mock = make_mock("convertkit", strict=False)
    secret = mock.app.api.check_credentials(mock.world)["apiSecret"]
    assert mock.http.get("/v3/tags", params={"api_secret": secret}).status_code == 200
    assert mock.http.post("/v3/tags", params={"api_secret": secret},
                          json={"tag": {"name": "Lead magnet"}}).status_code == 201
    if bad:  # a tag without its name, a page that is not a number
        mock.http.post("/v3/tags", params={"api_secret": secret}, json={"tag": {"nam": 1}})
        mock.http.get("/v3/subscribers", params={"api_secret": secret, "page": "two"})
    admin = mock.http.get("http://mailmocks.test/_admin/journal", params={"format": "ndjson"})
    assert admin.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "journal.ndjson"
    path.write_text(admin.text)
    mock.close()
    return path


def test_a_clean_journal_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--journal", str(_journal(tmp_path, bad=False))]) == 0
    assert "2 request(s) checked, 0 the vendor would reject" in capsys.readouterr().out


def test_each_request_the_vendor_would_reject_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "j.xml"
    assert main(["check", "--journal", str(_journal(tmp_path, bad=True)),
                 "--report", str(report), "--junit-xml", str(junit)]) == 1
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(cases) == 4
    assert [c.get("name") for c in cases if c.find("failure") is not None] == [
        "line 3: POST /v3/tags", "line 4: GET /v3/subscribers"]
    out = capsys.readouterr().out
    assert "REJECTED line 3: convertkit POST /v3/tags (create_tags" in out
    assert "REJECTED line 4: convertkit GET /v3/subscribers (list_subscribers" in out
    assert "query page:" in out
    rejected = json.loads(report.read_text())["rejected"]
    assert [r["operation"] for r in rejected] == ["create_tags", "list_subscribers"]


def test_the_contract_judges_not_the_entry(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A journal from another version, its `problems` empty or absent, an unknown route."""
    lines = [
        {"kind": "request", "api": "botamp", "method": "POST",
         "path": "/api/subscribers/create_or_update", "query": {},
         "request_body": {"data": "nope"}, "status": 200},
        {"kind": "request", "api": "botamp", "method": "DELETE", "path": "/api/everything",
         "query": {}, "status": 404, "problems": []},
        {"kind": "webhook", "api": "botamp", "method": "POST", "path": "/hook"},
    ]
    path = tmp_path / "old.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    assert main(["check", "--journal", str(path)]) == 1
    out = capsys.readouterr().out
    assert "REJECTED line 1: botamp POST /api/subscribers/create_or_update" in out
    assert "REJECTED line 2: botamp DELETE /api/everything (no operation" in out
    assert "note: line 4: not a JSON object" in out
    assert "2 request(s) checked, 2 the vendor would reject" in out


def test_a_missing_journal_is_one_line(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--journal", str(tmp_path / "none.ndjson")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("mailmocks check: cannot read journal") and "\n" not in err
