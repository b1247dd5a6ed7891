"""The example in docs/testing.md runs as written (the scenario kit's documentation cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


async def test_the_documented_scenario_runs(tmp_path: Path) -> None:
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/testing.md has its example"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)
    scenarios = [fn for name, fn in namespace.items() if name.startswith("test_")]
    assert scenarios, "the example defines a scenario"
    for scenario in scenarios:
        await scenario(tmp_path)
