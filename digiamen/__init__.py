VERSION = "0.1.0"  # the same as pyproject.toml (a test checks); written into each backup
