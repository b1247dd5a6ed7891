"""The engine: short periodic sweeps (the database decides what is due) and the outbox dispatcher."""
