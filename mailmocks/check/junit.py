"""JUnit XML: one testsuite per API, one testcase per operation and check (what CI shows)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .results import ApiResult


def build(results: Sequence[ApiResult]) -> ET.Element:
    root = ET.Element("testsuites", name="mailmocks check")
    total = failures = 0
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=f"mailmocks check {r.api}",
                              time=f"{r.seconds:.3f}")
        props = ET.SubElement(suite, "properties")  # what replays the run: --seed, the target
        for key, value in (("seed", r.seed), ("base_url", r.base_url), ("target", r.target),
                           ("read_only", r.read_only), ("requests", r.requests)):
            ET.SubElement(props, "property", name=key, value=str(value))
        cases = fails = 0
        by_case = {(f.operation, f.check): f for f in reversed(r.findings)}
        for op in r.operations.values():
            classname = f"{r.api}.{op.label}"
            names = sorted(op.checks) or ["exercised"]
            if "exercised" not in names and not op.exercised:
                names.append("exercised")
            for check in names:
                cases += 1
                case = ET.SubElement(suite, "testcase", classname=classname, name=check)
                count = op.checks.get(check)
                if check == "exercised" and not op.exercised:
                    fails += 1
                    ET.SubElement(case, "failure", message="never answered, or only with 429",
                                  type="rate_limited").text = (
                        f"{op.requests} requests, statuses {dict(op.statuses)}")
                elif count is not None and count.failed:
                    fails += 1
                    found = by_case.get((op.label, check))
                    node = ET.SubElement(case, "failure", type=check,
                                         message=found.title if found else f"{check} failed")
                    node.text = (f"{found.message}\n\nReproduce with:\n{found.curl}"
                                 if found else f"{count.failed} failing case(s)")
        for text in r.verdicts() + r.errors:
            cases += 1
            fails += 1
            case = ET.SubElement(suite, "testcase", classname=f"{r.api}", name="run")
            ET.SubElement(case, "failure", message=text.split(":")[0], type="run").text = text
        suite.set("tests", str(cases))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        total += cases
        failures += fails
    root.set("tests", str(total))
    root.set("failures", str(failures))
    return root


def write(results: Sequence[ApiResult], path: str) -> None:
    tree = ET.ElementTree(build(results))
    ET.indent(tree)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
