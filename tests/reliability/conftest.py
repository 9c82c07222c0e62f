"""Print what the reliability suite sent (the figures README's "Reliability" quotes)."""
from __future__ import annotations

import pytest
from reliability.corpus import DEEP, FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return  # not run here (or on xdist workers, which print nothing)
    terminalreporter.section(f"reliability figures ({'deep' if DEEP else 'sampled'})")
    for name, count in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name:>32}: {count:,}")
