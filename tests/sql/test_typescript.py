"""The typed client contract (issue 14 item 3): types/database.types.ts is what Supabase's generator makes of the
migrations, and the supabase-js examples of docs/api.md compile against it with `tsc --noEmit --strict`.

Needs the npm tools (scripts/test runs `npm ci` when npm exists); without them these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mini_mentorship import typegen
from mini_mentorship.cli import app
from mini_mentorship.pgserver import LocalServer, embedded_bindir
from mini_mentorship.settings import Settings
from mini_mentorship.testing.database import Database
from tests.api_docs import API_MD, EXAMPLES_DIR, regions, ts_blocks
from tests.conftest import PROJECT_DIR

TYPES = PROJECT_DIR / typegen.TYPES_FILE
TSC = PROJECT_DIR / "node_modules" / ".bin" / "tsc"
NO_NPM = "npm tools not installed (scripts/test installs them with npm ci when npm exists)"
needs_generator = pytest.mark.skipif(
    not (PROJECT_DIR / typegen.GENERATOR).is_file() or shutil.which("node") is None, reason=NO_NPM
)
needs_tsc = pytest.mark.skipif(not TSC.exists(), reason=NO_NPM)


def tsc(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TSC), "--noEmit", "--strict", "-p", str(project / "docs" / "examples")],
        capture_output=True, text=True, timeout=300, cwd=project, check=False,
    )


@needs_generator
def test_the_committed_types_equal_a_fresh_generation(db: Database) -> None:
    generated = typegen.generate(db.url, PROJECT_DIR)
    diff = typegen.stale_diff(TYPES, generated)
    assert not diff, f"{typegen.TYPES_FILE} is stale: run `mini-mentorship types` and commit it\n{diff[:4000]}"


@needs_generator
def test_the_default_source_is_a_fresh_database_on_the_embedded_server(tmp_path: Path) -> None:
    """What `mini-mentorship types` does without --db-url: migrate a throw-away database, generate, clean up."""
    settings = Settings(project_dir=PROJECT_DIR, data_dir=tmp_path, database_url=None)
    with typegen.fresh_database(settings) as url:
        assert typegen.generate(url, PROJECT_DIR) == TYPES.read_text(encoding="utf-8")
    assert LocalServer(settings.server_dir, embedded_bindir()).port() is None, "the server it started is stopped"


@needs_generator
def test_rpc_results_are_typed_rows_never_bare_json() -> None:
    text = TYPES.read_text(encoding="utf-8")
    functions = text[text.index("    Functions: {"):text.index("    Enums: {")]
    returns_json = [line.strip() for line in functions.splitlines() if line.strip() == "Returns: Json"]
    assert returns_json == [], f"RPCs typed as bare Json: {returns_json}"
    assert 'Returns: Database["public"]["CompositeTypes"]["mini_mentorship_meeting_link_job"]' in functions
    assert 'Returns: Database["public"]["CompositeTypes"]["mini_mentorship_analytics_report"]' in functions


@needs_generator
def test_cli_check_passes_when_current_and_shows_a_diff_when_stale(db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    current = runner.invoke(app, ["types", "--check", "--db-url", db.url, "--project-dir", str(PROJECT_DIR)])
    assert current.exit_code == 0 and "up to date" in current.output, current.output

    stale = tmp_path / "database.types.ts"
    stale.write_text(TYPES.read_text().replace("page_cursor", "cursor"))
    result = runner.invoke(app, ["types", "--check", "--db-url", db.url, "--out", str(stale),
                                 "--project-dir", str(PROJECT_DIR)])
    assert result.exit_code == 1
    assert "-        cursor: string | null" in result.output and "+        page_cursor: string | null" in result.output
    assert "page_cursor" not in stale.read_text(), "--check writes nothing"

    written = runner.invoke(app, ["types", "--db-url", db.url, "--out", str(stale), "--project-dir", str(PROJECT_DIR)])
    assert written.exit_code == 0, written.output
    assert stale.read_text() == TYPES.read_text(), "without --check the file is (re)written"


def test_cli_without_the_generator_is_one_line_and_exit_1(db: Database, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["types", "--db-url", db.url, "--project-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "npm ci" in result.output and "Traceback" not in result.output


def test_docs_api_md_shows_exactly_the_examples() -> None:
    examples = regions()
    blocks = ts_blocks(API_MD.read_text(encoding="utf-8"))
    unmarked = [block.line for block in blocks if block.source is None]
    assert not unmarked, (
        f"docs/api.md: ```ts blocks without an <!-- example: file.ts#region --> marker at lines {unmarked}"
    )
    shown = [block.source for block in blocks if block.source is not None]
    assert sorted(shown) == sorted(examples), (
        "every region of docs/examples/*.ts is shown exactly once in docs/api.md: "
        f"not shown {sorted(set(examples) - set(shown))}, unknown {sorted(set(shown) - set(examples))}, "
        f"shown twice {sorted({s for s in shown if shown.count(s) > 1})}"
    )
    for block in blocks:
        assert block.source is not None
        assert block.code == examples[block.source], (
            f"docs/api.md line {block.line} differs from docs/examples/{block.source}: "
            "run `python -m tests.api_docs` to copy the examples into docs/api.md"
        )


def test_every_rpc_of_the_api_has_an_example() -> None:
    code = "\n".join(path.read_text() for path in EXAMPLES_DIR.glob("*.ts"))
    rpcs = {line.split("`")[1] for line in API_MD.read_text().splitlines() if line.startswith("| `") and
            line.endswith("| `authenticated` |")}
    assert rpcs, "the RPC table of docs/api.md was not found"
    missing = sorted(rpc for rpc in rpcs if f"rpc('{rpc}'" not in code)
    assert not missing, f"RPCs without a supabase-js example in docs/examples: {missing}"


@needs_tsc
def test_the_examples_compile_strictly_against_the_generated_types() -> None:
    result = tsc(PROJECT_DIR)
    assert result.returncode == 0, f"tsc --noEmit --strict -p docs/examples:\n{result.stdout}{result.stderr}"


@needs_tsc
@pytest.mark.parametrize(("file", "before", "after", "why"), [
    ("docs/examples/sessions.ts", "rpc('join_mini_session', { session_id })",
     "rpc('join_mini_session', { id: session_id })", "a renamed argument"),
    ("types/database.types.ts", "        page_cursor: string | null", "        cursor: string | null",
     "a changed result shape"),
    ("docs/examples/requests.ts", ".eq('student_id', user.id)", ".eq('student', user.id)",
     "a filter on a missing column"),
    ("docs/examples/sessions.ts", "select('event, from_status,", "select('event, from_state,",
     "a select of a missing column"),
])
def test_a_broken_contract_fails_the_build(tmp_path: Path, file: str, before: str, after: str, why: str) -> None:
    for part in ("docs/examples", "types"):
        shutil.copytree(PROJECT_DIR / part, tmp_path / part)
    os.symlink(PROJECT_DIR / "node_modules", tmp_path / "node_modules")
    broken = tmp_path / file
    text = broken.read_text()
    assert before in text, f"{file} no longer contains {before!r}: update this test"
    broken.write_text(text.replace(before, after, 1))
    result = tsc(tmp_path)
    assert result.returncode != 0, f"tsc accepted {why}"
    assert "error TS" in result.stdout
