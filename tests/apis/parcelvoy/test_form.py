"""form.py: a form body nested as qs 6 with `allowDots` nests it (co-body's form parser)."""
from __future__ import annotations

from typing import Any

import pytest

from mailmocks.apis.parcelvoy.form import nest


@pytest.mark.parametrize(("pairs", "expected"), [
    ({"a": "1"}, {"a": "1"}),
    ({"data[plan]": "pro", "data.tier": "gold"}, {"data": {"plan": "pro", "tier": "gold"}}),
    ({"tags[]": "a"}, {"tags": ["a"]}),
    ({"t[1]": "x", "t[3]": "y"}, {"t": ["x", "y"]}),  # sparse indexes are compacted
    ({"big[25]": "z"}, {"big": {"25": "z"}}),  # past the array limit of 20: a key
    ({"a[b][c][d][e][f][g][h]": "1"},
     {"a": {"b": {"c": {"d": {"e": {"f": {"[g][h]": "1"}}}}}}}),  # depth 5, then one key
    ({"__proto__[x]": "1", "ok": "2"}, {"ok": "2"}),
    ({"": "ignored", "k": ""}, {"k": ""}),
])
def test_nest(pairs: dict[str, str], expected: dict[str, Any]) -> None:
    assert nest(pairs) == expected
