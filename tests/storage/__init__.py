"""Storage specifics on SQLite and PostgreSQL: migrations, claims, races, restarts, upgrades."""
