"""mailmocks: contract-driven local fakes of email and marketing-automation APIs."""
from __future__ import annotations

__version__ = "0.1.0"
