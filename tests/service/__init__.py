"""Use cases through the real app on SQLite (the scenario kit), with a hand-moved clock."""
