"""The ``kb`` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from kb.catalog import load_entries
from kb.diagnostics import Diagnostic


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matrix-calculus-kb")
def main() -> None:
    """The verified matrix-calculus knowledge base."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="The catalog folder (default: ./identities).")
@click.option("-v", "--verbose", is_flag=True, help="Print the failing draw of each failure.")
def verify(paths: tuple[Path, ...], root: Path | None, verbose: bool) -> None:
    """Load, validate and numerically verify records.

    PATHS are record files or folders; by default the whole catalog. Each problem is printed
    as path:line:col: message; the last line is 'N verified, M failed'. Exits with 1 if any
    record is invalid or fails.
    """
    from kb.verify import verify as verify_statement

    console = _err()
    catalog, problems = load_entries(paths or None, root)
    failures = list(problems)
    verified = 0
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[current]}"), console=console,
                  transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("verify", total=len(catalog), current="")
        for entry in catalog:
            progress.update(task, current=entry.id)
            report = verify_statement(entry.statement)
            progress.advance(task)
            if report.ok:
                verified += 1
                continue
            field = entry.statement.result_field
            failures.append(entry.diagnostic((field,), report.message or "failed"))
            if verbose and report.draw:
                failures.append(Diagnostic(entry.path, 0, 0, "draw:\n" + report.draw_text()))
    invalid = len({d.path for d in problems})
    for problem in failures:
        click.echo(str(problem) if problem.line else problem.message)
    failed = len(catalog) - verified + invalid
    click.echo(f"{verified} verified, {failed} failed")
    sys.exit(1 if failures else 0)


@main.command()
@click.option("--output", "-o", type=click.Path(path_type=Path),
              default=Path("schema/identity.schema.json"), show_default=True)
def schema(output: Path) -> None:
    """Write the JSON Schema of a record file, exported from the pydantic models."""
    import json

    from kb.schema import json_schema

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    click.echo(f"wrote {output}")
