"""Unit tests: pure rules, parsers, the button registry, catalogues, the shape of the code."""
