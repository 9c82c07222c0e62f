"""The built wheel carries contracts and fixtures and serves from a fresh venv."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest

from mailmocks.pytest_plugin import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_serves(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(dist), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("mailmocks-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=600)
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
