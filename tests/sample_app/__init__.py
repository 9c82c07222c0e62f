"""A user's integration code, as it would be written: the vendors' real URLs hard-coded,
keys passed in (from settings in a real app). Tests reach the fakes through interception
without a line of this package changing.

Three styles of the same calls: `sync_httpx`, `async_httpx` and `with_requests`.
"""
