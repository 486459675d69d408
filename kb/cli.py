"""The ``kb`` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

# The package is imported lazily, command by command: `kb show` must start fast.


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matrix-calculus-kb")
def main() -> None:
    """The verified matrix-calculus knowledge base."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="The catalog folder (default: the catalog that comes with kb).")
@click.option("-v", "--verbose", is_flag=True, help="Print the failing draw of each failure.")
@click.option("--repeat", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Verify each record under N independent seeds; it fails if any seed fails.")
def verify(paths: tuple[Path, ...], root: Path | None, verbose: bool, repeat: int) -> None:
    """Load, validate and numerically verify records.

    PATHS are record files or folders; by default the whole catalog. Each problem is printed
    as path:line:col: message; the last line is 'N verified, M failed'. Exits with 1 if any
    record is invalid or fails. --repeat N stresses new records: seed family 0 is the one
    plain `kb verify` uses.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kb.catalog import load_entries
    from kb.catalog_run import verify_catalog

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    catalog, problems = load_entries(paths or None, root)
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[current]}"), console=console,
                  transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("verify", total=len(catalog) * repeat, current="")
        run = verify_catalog(catalog, problems, with_draws=verbose,
                             advance=lambda i: progress.update(task, current=i, advance=1),
                             repeat=repeat)
    for problem in run.problems:
        click.echo(str(problem))
    click.echo(run.summary())
    sys.exit(1 if run.problems else 0)


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


def _catalog(root: Path | None):
    """The catalog, or exit with every problem printed."""
    from kb.catalog import load_entries

    catalog, problems = load_entries(None, root)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1)
    return catalog


def _lookup_index(root: Path | None):
    """The prebuilt lookup index of the catalog, or exit with every problem printed."""
    from kb.lookup import lookup_index
    from kb.paths import default_root

    index, problems = lookup_index(root or default_root())
    if index is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1)
    return index


def _identity(record_id: str, root: Path | None):
    """One identity, loaded alone from its file; an unknown id suggests close ones."""
    import difflib

    from kb.arguments import check_id
    from kb.catalog import find_record, record_ids
    from kb.loader import find_sources, load_record, load_sources
    from kb.paths import default_root

    _checked(check_id, record_id, "RECORD_ID")
    base = root or default_root()
    path = find_record(record_id, base)
    if path is None:
        close = difflib.get_close_matches(record_id, record_ids(base), n=3, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise click.ClickException(f"no identity with id '{record_id}'{hint}")
    sources, problems = load_sources(find_sources(path.parent, base / "sources.yaml"))
    identity, found = load_record(path, sources, base)
    for problem in problems + found:
        click.echo(str(problem), err=True)
    if identity is None:
        raise SystemExit(1)
    return identity, sources


def _checked(check, value: str, hint: str):
    """``check(value)``; a refused argument is a usage error (exit 2) naming ``hint``."""
    from kb.arguments import ArgumentError

    try:
        return check(value)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _shapes(items: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """``--shape NAME=ROWS,COLS`` values, each checked (:func:`kb.arguments.parse_shape`)."""
    from kb.arguments import parse_shape

    return dict(_checked(parse_shape, item, "--shape") for item in items)


_root_option = click.option("--root", type=click.Path(path_type=Path, file_okay=False),
                            help="The catalog folder (default: the catalog that comes with kb).")
_layout_option = click.option("--layout", type=click.Choice(["denominator", "numerator"]),
                              default="denominator", show_default=True)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", default=10, show_default=True)
@_root_option
def search(query: tuple[str, ...], limit: int, root: Path | None) -> None:
    """Search identities by title, alias, tag, operation and expression words.

    Exits with 1 when nothing matches.
    """
    hits = _lookup_index(root).search(" ".join(query), limit=limit)
    for identity in hits:
        click.echo(f"{identity.id:40s} {identity.title}")
    if not hits:
        click.echo("no identity matches", err=True)
        raise SystemExit(1)


@main.command()
@click.argument("record_id")
@_layout_option
@click.option("--format", "fmt", type=click.Choice(["text", "latex", "markdown", "json"]),
              default="text", show_default=True)
@_root_option
def show(record_id: str, layout: str, fmt: str, root: Path | None) -> None:
    """Show one identity, in either layout and format."""
    identity, sources = _identity(record_id, root)
    if fmt == "latex":
        click.echo(identity.latex(layout))
    elif fmt == "markdown":
        click.echo(identity.markdown(layout), nl=False)
    elif fmt == "json":
        import json

        click.echo(json.dumps(identity.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(_text(identity, layout, sources))


def _text(identity, layout: str, sources) -> str:
    record = identity.record
    lines = [f"{identity.title}  [{identity.id}]", ""]
    notes = [str(n) for n in (identity.kind, identity.has_layout and f"{layout} layout") if n]
    lines.append(f"  {identity.text(layout)}" + (f"    ({', '.join(notes)})" if notes else ""))
    if identity.statement_type.differential_form:
        lines.append(f"  d({identity.expression}) = {identity.differential()}")
    if identity.statement.steps:
        lines.append("")
    for step in identity.statement.steps:
        lines.append(f"  {step.number}. [{step.kind}] {step.text}")
        lines.append(f"       {' '.join(step.source.justification.split())}"
                     + (f" (uses {', '.join(step.source.cites)})" if step.source.cites else ""))
    lines.append("")
    for name, var in record.variables.items():
        rows, cols = var.shape
        extra = f", {', '.join(map(str, var.structure))}" if var.structure else ""
        extra += f", function of {var.function_of}" if var.function_of else ""
        lines.append(f"  {name}: {rows}×{cols}{extra}")
    lines.append("")
    for ref, locator in ((s.ref, s.locator) for s in record.sources):
        title = sources[ref].title if ref in sources else ref
        lines.append(f"  Source: {title}, {locator}")
    if record.notes:
        lines += ["", f"  Note: {' '.join(record.notes.split())}"]
    if record.erratum:
        lines += ["", f"  Erratum ({record.erratum.ref}): prints {record.erratum.printed}; "
                  f"{' '.join(record.erratum.explanation.split())}"]
    return "\n".join(lines)


@main.command("match")
@click.argument("expression")
@click.option("--wrt", required=True, help="The variable to differentiate by.")
@click.option("--shape", "shapes", multiple=True, metavar="NAME=R,C",
              help="A symbol's shape, e.g. --shape W=n,k (repeatable).")
@_layout_option
@_root_option
def match_command(expression: str, wrt: str, shapes: tuple[str, ...], layout: str,
                  root: Path | None) -> None:
    """Find identities matching EXPRESSION (up to renaming of symbols), with the derivative
    in your symbols. Exits with 1 when nothing matches, 2 on a bad expression."""
    from kb.grammar import ExpressionError

    given = _shapes(shapes)
    index = _lookup_index(root)
    try:
        matches = index.match(expression, wrt, shapes=given or None, layout=layout)
    except ExpressionError as exc:
        click.echo(f"error: {exc.message}\n  {exc.caret().replace(chr(10), chr(10) + '  ')}",
                   err=True)
        raise SystemExit(2) from None
    for m in matches:
        conditions = f"   if {'; '.join(m.conditions)}" if m.conditions else ""
        click.echo(f"∂/∂{wrt} {expression} = {m.derivative}    [{m.identity.id}]{conditions}")
    if not matches:
        click.echo("no identity matches", err=True)
        raise SystemExit(1)


def _pairs(items: tuple[str, ...], option: str, what: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        if not name.strip() or not value.strip():
            raise click.BadParameter(f"'{item}': write NAME={what}", param_hint=option)
        out[name.strip()] = value.strip()
    return out


@main.command("derive")
@click.argument("expression")
@click.option("--wrt", required=True, help="The variable to differentiate by.")
@click.option("--shape", "shapes", multiple=True, metavar="NAME=R,C",
              help="A symbol's shape, e.g. --shape W=n,k (repeatable); others are inferred.")
@click.option("--assume", "assume", multiple=True, metavar="NAME=STRUCTURE",
              help="A symbol's structure, e.g. --assume X=symmetric or S=spd,invertible.")
@_layout_option
@click.option("--hessian", is_flag=True, help="The Hessian of a scalar by a vector.")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "latex", "markdown", "json", "yaml"]))
@_root_option
def derive_command(expression: str, wrt: str, shapes: tuple[str, ...], assume: tuple[str, ...],
                   layout: str, hessian: bool, fmt: str, root: Path | None) -> None:
    """Derive the derivative of EXPRESSION step by step by the differential method, each
    step citing the catalog records it applies and checked numerically.

    Exits with 1 for a construct the engine has no rule for or a failed check, 2 for an
    expression that does not parse or type-check.
    """
    from kb.derive import DeriveError, VerificationFailed, derive
    from kb.grammar import ExpressionError

    given = _shapes(shapes)
    structure = {name: [v.strip() for v in value.split(",")]
                 for name, value in _pairs(assume, "--assume", "STRUCTURE").items()}
    # The prebuilt index answers the engine's catalog lookups without compiling the catalog.
    index = _lookup_index(root)
    try:
        result = derive(index, expression, wrt, shapes=given or None,
                        structure=structure or None, layout=layout, order=2 if hessian else 1)
        output = _derivation_output(result, fmt)
    except ExpressionError as exc:
        click.echo(f"error: {exc.message}\n  {exc.caret().replace(chr(10), chr(10) + '  ')}",
                   err=True)
        raise SystemExit(2) from None
    except (DeriveError, VerificationFailed) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(output, nl=not output.endswith("\n"))


def _derivation_output(result, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    return {"latex": result.latex, "markdown": result.markdown, "yaml": result.to_yaml,
            "text": result.text}[fmt]()


@main.command()
@click.argument("fmt", type=click.Choice(["json", "latex", "markdown"]))
@click.option("--output", "-o", type=click.Path(path_type=Path), help="File (default: stdout).")
@_layout_option
@_root_option
def export(fmt: str, output: Path | None, layout: str, root: Path | None) -> None:
    """Export the catalog: json (everything, both layouts), latex (a file to \\input, one
    macro per identity), markdown (snippets for MkDocs sites)."""
    from kb import export as exports

    catalog = _catalog(root)
    identities = sorted(catalog, key=lambda i: i.id)
    if fmt == "json":
        text = exports.to_json(identities, catalog.sources)
    elif fmt == "latex":
        text = exports.to_latex(identities, catalog.sources)
    else:
        text = exports.to_markdown(identities, layout)
    if output is None:
        click.echo(text, nl=False)
    else:
        from kb.writing import OutputError, write_atomic

        try:
            write_atomic(output, text)
        except OutputError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"wrote {output} ({len(identities)} identities)", err=True)


@main.command()
@click.argument("record_id")
@click.option("--base-url", envvar="KB_SITE_URL", default="",
              help="The published site's URL, for the permalink (env KB_SITE_URL).")
@_root_option
def cite(record_id: str, base_url: str, root: Path | None) -> None:
    """BibTeX for the sources of an identity, and its permalink."""
    from kb.escape import tex_escape
    from kb.export import bibtex, bibtex_key

    identity, sources = _identity(record_id, root)
    for ref in dict.fromkeys(s.ref for s in identity.record.sources):
        click.echo(bibtex(ref, sources[ref]) + "\n")
    for s in identity.record.sources:
        click.echo(f"% \\cite[{tex_escape(s.locator)}]{{{bibtex_key(s.ref)}}}")
    url = base_url.rstrip("/") + "/" if base_url else ""
    click.echo(f"% permalink: {url}identities/{identity.id}/")


SKELETON = """\
# yaml-language-server: $schema={schema}
id: {id}
title: TODO a one-line title
aliases: []
tags: []
type: {type}
{statement}sources:
  - ref: TODO
    locator: TODO equation, table row or section
"""


@main.command()
@click.argument("record_id")
@click.option("--topic", default="misc", show_default=True, help="The folder under the root.")
@click.option("--type", "statement_type", default="derivative", show_default=True,
              help="The statement type (derivative, differential, …; see site/records.md).")
@_root_option
def new(record_id: str, topic: str, statement_type: str, root: Path | None) -> None:
    """Write a record skeleton, with the modeline that lets editors validate it."""
    import os

    from kb.arguments import check_id, check_topic
    from kb.catalog import find_record
    from kb.paths import default_root, is_bundled
    from kb.statement_types import STATEMENT_TYPES

    if statement_type not in STATEMENT_TYPES:
        raise click.BadParameter(f"'{statement_type}' is not one of: "
                                 f"{', '.join(STATEMENT_TYPES)}", param_hint="--type")
    _checked(check_id, record_id, "RECORD_ID")
    _checked(check_topic, topic, "--topic")
    base = root or default_root()
    if is_bundled(base):
        raise click.ClickException("the catalog installed with the package is read-only: "
                                   "name your catalog folder with --root")
    existing = find_record(record_id, base)
    if existing is not None:
        raise click.ClickException(f"{existing} already exists")
    path = base / topic / f"{record_id}.yaml"
    if path.parent.exists() and not path.parent.is_dir():
        raise click.BadParameter(f"{path.parent} is a file, not a topic folder",
                                 param_hint="--topic")
    if not path.parent.resolve().is_relative_to(base.resolve()):  # a symlink out of it
        raise click.BadParameter(f"{path.parent} leads outside the catalog",
                                 param_hint="--topic")
    schema_path = base.resolve().parent / "schema" / "identity.schema.json"
    relative = os.path.relpath(schema_path, path.parent.resolve())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # never over an existing file
            handle.write(SKELETON.format(schema=relative, id=record_id, type=statement_type,
                                         statement=STATEMENT_TYPES[statement_type].skeleton))
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    click.echo(str(path))


def _project_root() -> Path:
    """The source checkout whose site is built: the one the package runs from (an editable
    install), else the working directory (a wheel used in a checkout)."""
    from kb.paths import PACKAGE

    for candidate in (PACKAGE.parent, Path.cwd()):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    raise click.ClickException(
        "the site is built from a source checkout of the project (mkdocs.yml, site/, "
        "identities/): run this command in the repository's folder")


def _check_site_tools(project: Path) -> None:
    """Exit with what to run when a tool the site build needs is missing, before any work."""
    import importlib.util

    from kb.katex import missing_prerequisites

    problems = missing_prerequisites(project)
    if importlib.util.find_spec("mkdocs") is None:
        problems.insert(0, "MkDocs is not installed: run ./install.sh, or "
                           "pip install -e '.[site]' in the repository")
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)


@main.command()
@_root_option
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to write the site (default: build/site).")
@click.option("-v", "--verbose", is_flag=True, help="Show the site generator's log.")
def build(root: Path | None, site_dir: Path | None, verbose: bool) -> None:
    """Verify every record, then build the site into build/site (the project's main job).

    Any invalid or failing record stops the build with path:line:col: lines, and the
    previous site is left untouched: the new one is built aside and swapped in whole. The
    output folder must be new, empty or one kb build wrote (it holds .kb-site), and neither
    the project, the catalog nor site/ (exit 2 otherwise).
    """
    project = _project_root()
    _check_site_tools(project)

    from kb.site_build import BuildFailed, CatalogFailed, OutputError, build_site

    try:
        count, target = build_site(project, root, site_dir, verbose)
    except OutputError as exc:
        raise click.BadParameter(str(exc), param_hint="--site-dir") from None
    except CatalogFailed as exc:
        click.echo(str(exc))
        sys.exit(1)
    except BuildFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{count} verified; site written to {target}")


@main.command()
@click.option("--port", default=8000, show_default=True)
def serve(port: int) -> None:
    """Live preview of the site; rebuilds when identities/ or kb/ change."""
    import os

    project = _project_root()
    _check_site_tools(project)

    from mkdocs.commands.serve import serve as mkdocs_serve

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    mkdocs_serve(str(project / "mkdocs.yml"), dev_addr=f"127.0.0.1:{port}")
