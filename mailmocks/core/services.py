"""The services one sandbox shares between its APIs: one clock, one journal, one outbox."""
from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock
from .faults import Faults
from .jobs import Jobs
from .journal import Journal
from .outbox import Outbox
from .ratelimit import RateLimiter
from .render import Renderer
from .webhooks import Webhooks


@dataclass
class Services:
    clock: Clock = field(default_factory=Clock)
    journal: Journal = field(default_factory=Journal)
    faults: Faults = field(default_factory=Faults)
    render: Renderer = field(default_factory=Renderer)
    limiter: RateLimiter = field(init=False)
    jobs: Jobs = field(init=False)
    outbox: Outbox = field(init=False)
    webhooks: Webhooks = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.clock)
        self.jobs = Jobs(self.clock)
        self.outbox = Outbox(self.clock)
        self.webhooks = Webhooks(self.clock, self.jobs, self.journal)
