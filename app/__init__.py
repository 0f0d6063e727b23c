"""Kefu: self-hosted AI customer service."""

import os

# Progress bars of model loading are no log lines: a server's output is one JSON line each.
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
