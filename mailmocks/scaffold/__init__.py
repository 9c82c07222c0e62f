"""`mailmocks new-api NAME`: the files of a sixth API, in the shape every vendor has.

The template (template/) is a small working fake — one resource, `items`, listed, created and
read with a bearer key — with its contract, fixtures, vendor package, thin client, mock class
and tests. Every file is written with the API's names filled in and one line is added to the
registry; nothing in mailmocks/core/ changes. The generated tests pass on the first run, so
the new API starts green and grows operation by operation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().parent / "template"
REGISTRY = Path("mailmocks") / "apis" / "__init__.py"
NAME = re.compile(r"^[a-z][a-z0-9]{1,30}$")


class ScaffoldError(ValueError):
    """Why the files cannot be written, in one line."""


class _Fill(Template):
    delimiter = "@@"  # `$` is taken: contracts say `$ref`


@dataclass(frozen=True)
class Names:
    name: str  # convertkit: the URL prefix, package and fixture name

    @property
    def camel(self) -> str:
        return self.name[:1].upper() + self.name[1:]

    def fill(self, text: str) -> str:
        return _Fill(text).substitute(name=self.name, Name=self.camel)


def plan(root: Path, name: str) -> dict[Path, str]:
    """What `new_api` would write: path (under `root`) -> content."""
    if not NAME.match(name):
        raise ScaffoldError(f"API name {name!r}: use 2-31 lower-case letters and digits, "
                            "starting with a letter (it becomes a URL prefix and a package)")
    for needed in ("contracts", "fixtures", REGISTRY):
        if not (root / needed).exists():
            raise ScaffoldError(f"{root}: no {needed} here; run new-api at the top of a "
                                "mailmocks checkout")
    names = Names(name)
    out: dict[Path, str] = {}
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = Path(names.fill(str(source.relative_to(TEMPLATE))[: -len(".tmpl")]))
        out[root / relative] = names.fill(source.read_text(encoding="utf-8"))
    taken = [str(p.relative_to(root)) for p in out if p.exists()]
    if taken:
        raise ScaffoldError(f"API {name!r} exists already ({taken[0]})")
    return out


def new_api(root: Path, name: str) -> list[Path]:
    """Write the files of API `name` under `root` and register it; returns what was written."""
    files = plan(root, name)
    registry = root / REGISTRY
    text = registry.read_text(encoding="utf-8")
    if f'"{name}":' in text:
        raise ScaffoldError(f"API {name!r} is in the registry already")
    anchor = "REGISTRY: dict[str, str] = {\n"
    if anchor not in text:
        raise ScaffoldError(f"{registry}: cannot find the REGISTRY dict to add {name!r} to")
    end = text.index("\n}", text.index(anchor))
    text = text[:end] + f'\n    "{name}": "mailmocks.apis.{name}:api",' + text[end:]
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    registry.write_text(text, encoding="utf-8")
    return [*files, registry]
