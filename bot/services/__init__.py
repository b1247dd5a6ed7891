"""Use cases: one function each, taking a Ctx (session, now, settings, secret) first."""
