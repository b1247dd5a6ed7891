"""End to end: the CLI, the demo, the runtime, the documented scenario."""
