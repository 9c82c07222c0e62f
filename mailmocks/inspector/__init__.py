"""The web inspector: server-rendered pages over the sandbox (inbox, requests, state, controls).

Pages read the sandbox; every change they make goes through the validated control API at
/_admin (the pages' script posts JSON with the session's token), so the UI can do nothing
the API cannot.
"""
