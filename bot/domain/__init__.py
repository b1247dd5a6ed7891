"""Domain vocabulary and pure rules (no I/O)."""
