"""mailmocks: contract-driven local fakes of email and marketing-automation APIs."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .intercept import intercept as intercept

__all__ = ["__version__", "intercept"]


def __getattr__(name: str) -> Any:
    # `mailmocks.intercept(...)` loads the fakes only when called: the pytest plugin and the
    # CLI start without them (the package `mailmocks.intercept` is callable as well)
    if name == "intercept":
        from .intercept import intercept
        return intercept
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
