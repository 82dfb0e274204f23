"""Reading docs/api.md and docs/examples/*.ts for the tests that keep them true (issue 14 items 3 and 5).

docs/api.md shows each supabase-js example as a ```ts block directly after a marker naming its source,
`<!-- example: sessions.ts#joinSession -->`: the lines between `// #region joinSession` and `// #endregion` in
docs/examples/sessions.ts, with the common indentation removed. `python -m tests.api_docs` rewrites the blocks
from the example files (run it after editing an example; the tests say when it is needed).
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
API_MD = PROJECT_DIR / "docs" / "api.md"
EXAMPLES_DIR = PROJECT_DIR / "docs" / "examples"

MARKER = re.compile(r"^<!-- example: (?P<file>[\w.-]+\.ts)#(?P<region>\w+) -->$")
REGION_START = re.compile(r"^\s*// #region (?P<name>\w+)\s*$")
REGION_END = re.compile(r"^\s*// #endregion\s*$")


@dataclass(frozen=True)
class Block:
    """One ```ts block of docs/api.md and the marker line above it (None when it has none)."""

    line: int  # 1-based line of the opening fence
    source: str | None  # "sessions.ts#joinSession"
    code: str


def regions(examples_dir: Path = EXAMPLES_DIR) -> dict[str, str]:
    """Every `#region` of docs/examples/*.ts by "file#name", dedented, without the marker lines."""
    found: dict[str, str] = {}
    for path in sorted(examples_dir.glob("*.ts")):
        name: str | None = None
        body: list[str] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if start := REGION_START.match(line):
                if name is not None:
                    raise ValueError(f"{path.name}:{number}: #region inside #region {name}")
                name, body = start["name"], []
            elif REGION_END.match(line):
                if name is None:
                    raise ValueError(f"{path.name}:{number}: #endregion without #region")
                key = f"{path.name}#{name}"
                if key in found:
                    raise ValueError(f"{path.name}: two regions named {name}")
                found[key] = textwrap.dedent("\n".join(body)).strip("\n")
                name = None
            elif name is not None:
                body.append(line)
        if name is not None:
            raise ValueError(f"{path.name}: #region {name} is never closed")
    return found


def ts_blocks(text: str) -> list[Block]:
    """The ```ts blocks of a markdown text, each with the example marker on the line before it (if any)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```ts":
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
            marker = MARKER.match(lines[index - 1].strip()) if index > 0 else None
            source = f"{marker['file']}#{marker['region']}" if marker else None
            blocks.append(Block(index + 1, source, "\n".join(lines[index + 1:end])))
            index = end
        index += 1
    return blocks


def synced(text: str, examples: dict[str, str]) -> str:
    """`text` with every marked ```ts block replaced by its example region."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        out.append(lines[index])
        marker = MARKER.match(lines[index].strip())
        if marker and index + 1 < len(lines) and lines[index + 1].strip() == "```ts":
            end = next(i for i in range(index + 2, len(lines)) if lines[i].strip() == "```")
            out += ["```ts", examples[f"{marker['file']}#{marker['region']}"], "```"]
            index = end
        index += 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


if __name__ == "__main__":
    API_MD.write_text(synced(API_MD.read_text(encoding="utf-8"), regions()), encoding="utf-8")
    sys.stdout.write(f"rewrote the example blocks of {API_MD}\n")
