"""No import circles between the service modules (typing-only and function-level imports included)."""

from __future__ import annotations

import grimp


def test_services_import_no_circle() -> None:
    graph = grimp.build_graph("bot")
    services = sorted(m for m in graph.modules if m.startswith("bot.services"))
    circles = [(a, b) for a in services for b in sorted(graph.find_modules_directly_imported_by(a))
               if graph.find_shortest_chain(importer=b, imported=a)]
    assert circles == []
