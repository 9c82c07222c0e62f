"""mailmocks: contract-driven local fakes of email and marketing-automation APIs."""
from __future__ import annotations

__version__ = "0.1.0"

from .intercept import intercept  # noqa: E402 - after the version, which the build reads

__all__ = ["__version__", "intercept"]
