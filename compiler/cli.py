"""The `indicators` command. With the writer, the only code that touches the disk.

Exit codes: 0 success; 1 an invalid spec, a stale generated/ (check) or a failed write;
2 bad usage (unknown option, missing file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from compiler import pipeline, writer
from compiler.checks.schema import schema_text
from compiler.problems import Problem, SpecError

SPEC_EXTENSIONS = (".yaml", ".yml")
spec_argument = click.argument("spec", default="indicators.yaml",
                               type=click.Path(exists=True, path_type=Path))
out_option = click.option("--out", default="generated", show_default=True, type=click.Path(path_type=Path),
                          help="Folder of generated files.")


def read_sources(spec: Path) -> list[tuple[str, bytes]]:
    """The spec's files: SPEC itself, or every .yaml/.yml file below the folder SPEC, sorted."""
    paths = sorted(p for p in spec.rglob("*") if p.suffix in SPEC_EXTENSIONS and p.is_file()) if spec.is_dir() else [spec]
    if not paths:
        raise click.UsageError(f"no .yaml or .yml files in {spec}")
    try:
        return [(str(path), path.read_bytes()) for path in paths]
    except OSError as err:
        _fail(f"{err.filename}: cannot read: {err.strerror}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _report(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _compile(spec: Path) -> pipeline.Compilation:
    try:
        compilation = pipeline.compile_spec(read_sources(spec), spec.name)
    except SpecError as err:
        _report(err.problems)
        errors = sum(1 for problem in err.problems if problem.severity == "error")
        _fail(f"{spec}: {errors} error{'s' if errors != 1 else ''}; nothing was written")
    _report(compilation.warnings)
    return compilation


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="indicator-compiler")
def main() -> None:
    """Compile one indicators.yaml into Prometheus rules, Grafana dashboards, Alertmanager
    routing and docs that agree with each other.

    SPEC is a spec file, or a folder whose .yaml files together make one spec (for example one
    file per team). It defaults to indicators.yaml.
    """


@main.command()
@spec_argument
@out_option
def generate(spec: Path, out: Path) -> None:
    """Compile SPEC and write every artifact to --out.

    Writing is atomic: on any error the folder is left as it was. Files generated before and
    no longer produced are removed; files the compiler did not write are never touched.
    """
    compilation = _compile(spec)
    try:
        report = writer.write(out, compilation.files)
    except writer.WriteError as err:
        _fail(str(err))
    click.echo(f"{out}: {len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.removed)} removed "
               f"({len(compilation.spec.indicators)} indicators)")


@main.command()
@spec_argument
@out_option
def check(spec: Path, out: Path) -> None:
    """Exit 1 with a unified diff when --out is not what SPEC compiles to (the CI drift gate)."""
    compilation = _compile(spec)
    diffs = writer.drift(out, compilation.files)
    if diffs:
        click.echo("".join(diffs), nl=False)
        _fail(f"{out} is stale: {len(diffs)} file(s) differ from what {spec} compiles to; run `make generate`")
    click.echo(f"{out}: up to date with {spec}")


@main.command()
@spec_argument
def validate(spec: Path) -> None:
    """Check SPEC and report every problem as FILE:LINE:COL: FIELD: MESSAGE; write nothing."""
    compilation = _compile(spec)
    click.echo(f"{spec}: valid ({len(compilation.spec.indicators)} indicators)")


@main.command()
def schema() -> None:
    """Print the spec's JSON Schema, for editors (yaml-language-server) and other tools."""
    click.echo(schema_text(), nl=False)
