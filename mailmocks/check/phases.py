"""What `mailmocks check` runs by default: known without importing schemathesis, so the CLI's
parser (and `--help`) work where the optional `check` extra is not installed."""
from __future__ import annotations

PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEFAULT_EXAMPLES = 10  # per operation and generated phase: a green run in seconds per API
