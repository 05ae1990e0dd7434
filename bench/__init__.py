"""Benchmarks: latency, throughput, scale and soak, each against a baseline measured in the same run."""
