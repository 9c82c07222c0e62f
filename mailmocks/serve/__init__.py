"""`mailmocks serve` for a developer who keeps it running all day: options and config file
(options.py), start-up and shutdown (runner.py), the request log (requestlog.py) and state
kept across restarts with --data-dir (persist.py)."""
