"""`make bench`: mailmocks' served sandbox against a bare Starlette + orjson app.

A benchmark, not a test: it asserts nothing, it prints numbers. See bench/README.md.
"""
