"""The official HighLevel Node SDK (`@gohighlevel/api-client`) against a live fake.

The SDK is installed from the npm registry, once, into a cache folder
(`$MAILMOCKS_NODE_CACHE`, default ~/.cache/mailmocks-node); later runs reuse it. A small
driver (tests/clients/node/highlevel_sdk.js) builds the client with its DEFAULT configuration
(`Version: 2023-02-21`, a Private Integration Token, axios) except the base URL, and runs its
Blogs and Emails calls against the fake on 127.0.0.1. Skipped, with the reason, where node or
npm is missing or the install fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mailmocks.testing.highlevel import Mock as HighLevelMock

PACKAGE = "@gohighlevel/api-client"
PINNED = "3.1.0"  # the npm `latest` when this test was written; its default Version 2023-02-21
DRIVER = Path(__file__).parent / "node" / "highlevel_sdk.js"


def sdk_modules() -> Path:
    """node_modules holding the pinned SDK, installed on first use; skips when impossible."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the official HighLevel Node SDK")
    cache = Path(os.environ.get("MAILMOCKS_NODE_CACHE",
                                Path.home() / ".cache" / "mailmocks-node"))
    modules = cache / "node_modules"
    manifest = modules / "@gohighlevel" / "api-client" / "package.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("version") == PINNED:
        return modules
    cache.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(cache), "--no-save", "--no-audit", "--no-fund",
             f"{PACKAGE}@{PINNED}"], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {PACKAGE}@{PINNED} took over 300 s")
    if done.returncode != 0 or not manifest.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"npm install {PACKAGE}@{PINNED} failed: {last}")
    return modules


def run_driver(mock: HighLevelMock) -> dict[str, Any]:
    modules = sdk_modules()
    done = subprocess.run(["node", str(DRIVER), str(modules), mock.base_url, mock.token,
                           mock.location_id], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_official_node_sdk_blogs_and_emails_against_the_live_fake(
        highlevel_live: HighLevelMock) -> None:
    mock = highlevel_live
    out = run_driver(mock)
    assert out["version"] == "2023-02-21"  # the SDK's default, answered like any other
    errors = {name: answer["error"] for name, answer in out.items()
              if isinstance(answer, dict) and "error" in answer}
    assert errors == {"unknownQuery": {"statusCode": 422,  # the SDK joins the 422 array
                                       "message": "property skip should not exist"}}
    assert out["getBlogs"]["data"][0]["_id"] == "zLTDthc4YJph2m42VEAU"
    assert {p["status"] for p in out["getBlogPost"]["blogs"]} == {"PUBLISHED"}
    assert out["getAllCategoriesByLocation"]["categories"][1]["label"] == "Music"
    assert len(out["getAllBlogAuthorsByLocation"]["authors"]) == 3
    assert out["checkUrlSlugExists"] == {"exists": True}
    created, updated = out["createBlogPost"]["data"], out["updateBlogPost"]["updatedBlogPost"]
    assert (created["urlSlug"], created["status"]) == ("from-the-node-sdk", "DRAFT")
    assert (updated["_id"], updated["title"], updated["status"]) == (
        created["_id"], "Updated by the Node SDK", "PUBLISHED")
    template = out["createTemplate"]["redirect"]
    assert out["updateTemplate"]["ok"] == "true"
    assert template in [t["id"] for t in out["fetchTemplate"]["builders"]]
    assert out["deleteTemplate"]["ok"] == "true"
    assert out["fetchCampaigns"]["total"] >= len(out["fetchCampaigns"]["schedules"]) > 0
    seen = [e for e in mock.journal.records(api="highlevel") if e.get("operation")]
    assert len(seen) == len(out) - 1  # one request per call
    assert {e["request_headers"].get("version") for e in seen} == {"2023-02-21"}
    # what the fake kept, read back through its own client
    hl = mock.client()
    assert template not in [t["id"] for t in hl.fetch_template(mock.location_id,
                                                               limit=100)["builders"]]
    assert hl.check_url_slug_exists(mock.location_id, "from-the-node-sdk") == {"exists": True}
