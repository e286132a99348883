"""Scale and speed benchmarks: ``python -m benchmarks [--quick] [--json FILE]``."""
