"""A form body as koa-body reads it: co-body's form parser hands the text to `qs` 6 with
`allowDots: true` (co-body 5.2.0 lib/form.js), so `data[plan]=pro` and `data.plan=pro` are
`{"data": {"plan": "pro"}}`, `tags[]=a` and `tags[0]=a` are arrays (indexes up to 20, past
that object keys), nesting stops at depth 5 (the rest is one literal key), `__proto__` is
dropped. The engine hands over the decoded pairs (a repeated key keeps its last value).
"""
from __future__ import annotations

import re
from typing import Any

DEPTH, ARRAY_LIMIT = 5, 20  # qs defaults
_DOTS = re.compile(r"\.([^.\[]+)")
_CHILD = re.compile(r"\[[^\[\]]*\]")
_HOLE = object()  # a sparse array slot, compacted away at the end


def _chain(key: str) -> list[str]:
    """qs `parseKeys`: the parent, then up to DEPTH bracket segments, then the rest."""
    key = _DOTS.sub(r"[\1]", key)
    first = _CHILD.search(key)
    parent = key[:first.start()] if first else key
    chain = [parent] if parent else []
    pos, found = (first.start() if first else len(key)), 0
    while found < DEPTH:
        m = _CHILD.match(key, pos)
        if m is None:
            break
        chain.append(m.group(0))
        pos, found = m.end(), found + 1
    if pos < len(key):
        chain.append(f"[{key[pos:]}]")
    return chain


def _leaf(chain: list[str], value: Any) -> Any:
    """qs `parseObject`: build the nested value from the innermost segment out."""
    leaf = value
    for root in reversed(chain):
        if root == "[]":
            leaf = [leaf]
            continue
        clean = root[1:-1] if root.startswith("[") and root.endswith("]") else root
        if root != clean and clean.isdigit() and str(int(clean)) == clean \
                and int(clean) <= ARRAY_LIMIT:
            leaf = [_HOLE] * int(clean) + [leaf]
        elif clean == "__proto__":
            return None
        else:
            leaf = {clean: leaf}
    return leaf


def _merge(target: Any, source: Any) -> Any:
    """qs `utils.merge`, enough for the shapes `_leaf` builds."""
    if isinstance(target, list) and isinstance(source, list):
        out = list(target)
        for i, item in enumerate(source):
            if item is _HOLE:
                continue
            if i < len(out) and out[i] is not _HOLE:
                out[i] = _merge(out[i], item)
            else:
                out.extend([_HOLE] * (i + 1 - len(out)))
                out[i] = item
        return out
    if isinstance(target, dict) and isinstance(source, dict):
        out_d = dict(target)
        for k, v in source.items():
            out_d[k] = _merge(out_d[k], v) if k in out_d else v
        return out_d
    if isinstance(target, list) and isinstance(source, dict):
        merged = {str(i): v for i, v in enumerate(target) if v is not _HOLE}
        return _merge(merged, source)
    if isinstance(target, dict) and isinstance(source, list):
        return _merge(target, {str(i): v for i, v in enumerate(source) if v is not _HOLE})
    return [target, source]  # a scalar meets another value: qs combines them


def _compact(value: Any) -> Any:
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not _HOLE]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def nest(pairs: dict[str, str]) -> dict[str, Any]:
    """The object `qs.parse(body, {allowDots: true})` gives for the decoded pairs."""
    out: dict[str, Any] = {}
    for key, value in pairs.items():
        if not key:
            continue
        built = _leaf(_chain(key), value)
        if built is not None:
            out = _merge(out, built)
    return dict(_compact(out))
