"""Test support: the scenario kit under its test names, fake Bot API and Web API servers on loopback."""
