from __future__ import annotations

from pathlib import Path
from typing import Any

from mailmocks.core.fixtures import load_fixture

calls: list[int | None] = []


def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    calls.append(seed)
    spec["rows"] = [f"row-{seed}-{i}" for i in range(spec["generate"])]
    return spec


def test_expanded_once_per_seed_and_every_caller_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("generate: 2\n")
    first = load_fixture(str(path), 7, expand)
    first["rows"].append("mutated")
    again = load_fixture(str(path), 7, expand)
    assert again["rows"] == ["row-7-0", "row-7-1"]  # the cache was not touched
    assert load_fixture(str(path), 8, expand)["rows"][0] == "row-8-0"
    assert calls == [7, 8]
