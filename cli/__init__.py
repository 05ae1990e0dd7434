"""The `qa` command line: serving, asking, chatting, building, evaluating and benchmarking."""
