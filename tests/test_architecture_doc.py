"""Every Python block of docs/architecture.md runs, in order, in one namespace."""

from __future__ import annotations

import re

from conftest import ROOT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_the_architecture_page_code_runs() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {"__name__": "architecture_doc"}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"docs/architecture.md (block {number})", "exec")
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
