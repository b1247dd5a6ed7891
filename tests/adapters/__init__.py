"""The platform adapters through the real libraries against fake servers on loopback."""
