"""The built wheel carries contracts and fixtures, serves from a fresh venv, and its pytest
plugin fakes the vendors' hosts in a user's suite there (one wheel, one venv for the module)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailmocks.pytest_plugin import free_port

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ of a fresh venv holding the wheel built from this checkout (and pytest)."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(dist), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("mailmocks-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel),
                    "pytest"], check=True, capture_output=True, timeout=600)
    yield bin_dir


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_serves(installed: Path, tmp_path: Path) -> None:
    bin_dir = installed
    port = free_port()
    # Run from an empty folder: the contracts must come from the wheel, not this checkout.
    proc = subprocess.Popen([str(bin_dir / "mailmocks"), "serve", "--port", str(port)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": ""})
    try:
        url = f"http://127.0.0.1:{port}/convertkit/v3/forms"
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(url, params={"api_key": "ck_pub_8Xq2LmN4vR7tY1wZ"}, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
        assert [f["id"] for f in r.json()["forms"]] == [3001, 3002, 3003, 3004]
        root = f"http://127.0.0.1:{port}"
        for page in ("/", "/inbox", "/_static/inspector.js", "/_admin/openapi.json"):
            assert httpx.get(root + page, trust_env=False).status_code == 200, page  # shipped
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert b"_data" not in out  # nothing went wrong loading the bundled data
    listing = subprocess.run([str(bin_dir / "python"), "-c",
                              "import mailmocks.core.resources as r;"
                              "print(r.contract_path('convertkit.yaml'))"],
                             capture_output=True, text=True, cwd=tmp_path, check=True)
    assert "_data/contracts/convertkit.yaml" in listing.stdout


USER_SUITE = """
import httpx, requests, pytest

def subscribe(key, email):  # the user's production code, the vendor's URL baked in
    return requests.post("https://api.convertkit.com/v3/forms/3001/subscribe",
                         json={"api_key": key, "email": email}).json()

def test_signup(convertkit_mock):
    assert subscribe(convertkit_mock.api_key, "a@example.com")["subscription"]
    convertkit_mock.assert_called("add_subscriber_to_form", times=1)

def test_wrong_request(mailmocks):
    httpx.get("https://services.leadconnectorhq.com/blogs/site/all",
              headers={"Authorization": "Bearer " + mailmocks.highlevel.token,
                       "Version": "2021-07-28"})

def test_internet_is_not_reached(botamp_mock):
    with pytest.raises(AssertionError, match="reached no fake"):
        httpx.get("https://example.org/")
"""


@pytest.mark.slow
def test_the_pytest_plugin_works_from_the_wheel(installed: Path,
                                                pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.run(str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider",
                          "-q", str(pytester.path / "test_user.py"), timeout=300)
    out = result.stdout.str()
    assert "2 failed, 1 passed" in out, out  # the unmatched host fails even when caught
    assert "highlevel get_blogs: GET /blogs/site/all -> 422" in out
    assert "query locationId" in out and "query skip" in out
    assert "https://example.org/ reached no fake" in out
    assert str(installed.parent) in _plugin_path(installed)


def _plugin_path(bin_dir: Path) -> str:
    return subprocess.run([str(bin_dir / "python"), "-c",
                           "import mailmocks.pytest_plugin as p; print(p.__file__)"],
                          capture_output=True, text=True, check=True).stdout
