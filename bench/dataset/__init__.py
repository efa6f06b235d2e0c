"""Dataset steps, one module per domain; see bench.registry."""
