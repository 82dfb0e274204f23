"""`mini-mentorship types`: regenerate (or check) types/database.types.ts with Supabase's type generator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import typegen
from .common import ProjectDir, console, err_console, fail, reported, settings_for


def types(
    db_url: Annotated[str | None, typer.Option(
        "--db-url", show_default=False,
        help="Generate from this database instead (its public schema as it is). Default: a database freshly "
        "migrated from supabase/migrations on the embedded server, dropped afterwards.",
    )] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", show_default=False, help=f"File to write or check. Default: <project>/{typegen.TYPES_FILE}.",
    )] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 with a diff when the file differs from a fresh generation.",
    )] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Generate the TypeScript `Database` type for `createClient<Database>()` (what `supabase gen types
    typescript` makes), running the pinned npm @supabase/postgres-meta with node: no Docker needed."""
    settings = settings_for(project_dir)
    target = out or settings.project_dir / typegen.TYPES_FILE
    with reported():
        try:
            if db_url:
                generated = typegen.generate(db_url, settings.project_dir)
            else:
                with typegen.fresh_database(settings) as url:
                    generated = typegen.generate(url, settings.project_dir)
        except typegen.TypegenError as exc:
            raise fail(str(exc)) from None
    if check:
        diff = typegen.stale_diff(target, generated)
        if diff:
            typer.echo(diff, nl=False)
            err_console.print(f"[bold red]stale:[/] {target} differs from a fresh generation "
                              "(run `mini-mentorship types` and commit the result)", highlight=False)
            raise typer.Exit(1)
        console.print(f"{target} is up to date", highlight=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(generated, encoding="utf-8")
    console.print(f"wrote {target}", highlight=False)
