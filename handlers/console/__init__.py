"""The local console transport: used by the demo, the tests and `familyteam console`."""
