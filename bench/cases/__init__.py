"""Benchmark cases, one module per area; see bench.registry."""
