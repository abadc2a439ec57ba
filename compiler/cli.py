"""The `indicators` command. With the writer, the only code that touches the disk.

Exit codes: 0 success; 1 an invalid spec, a stale generated/ (check), a failed write or a
failed validator (verify); 2 bad usage (unknown option, missing file, a bad --week or --month);
3 Prometheus could not be queried (unreachable, an HTTP error, a timeout); 4 a validator is not
installed (verify, when nothing failed).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from compiler.problems import Finding, SpecError, counted

if TYPE_CHECKING:
    from compiler import collect as collector
    from compiler import pipeline, prometheus_api
    from compiler.model import Spec
    from compiler.reports import period as periods

# Each command imports what it needs when it runs: `--help` and `validate` load neither the
# backtest, importer and report stacks nor Jinja2 (startup was 40% of compiling the shipped spec).
SPEC_EXTENSIONS = (".yaml", ".yml")
spec_argument = click.argument("spec", default="indicators.yaml",
                               type=click.Path(exists=True, path_type=Path))


def _folder(ctx, param, value: Path) -> Path:
    if str(value) == "-":  # click's convention for standard output, which a folder of files cannot be
        raise click.BadParameter("the output is a folder of files; standard output cannot hold it", ctx, param)
    return value


out_option = click.option("--out", default="generated", show_default=True, type=click.Path(path_type=Path),
                          callback=_folder, help="Folder of generated files.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
verbose_option = click.option("-v", "--verbose", is_flag=True,
                              help="Also print each file written or removed and the series each rule group reads.")
strict_option = click.option("--strict", is_flag=True,
                             help="Warnings are errors: exit 1 when there is any (as promtool's and pint's CI modes).")


def read_sources(spec: Path) -> list[tuple[str, bytes]]:
    """The spec's files: SPEC itself, or every .yaml/.yml file below the folder SPEC, sorted.
    Nothing outside the folder is read (a link leading out of it is a located error), and no
    more of a file than the loader's size limit and one byte (the loader reports the excess)."""
    from compiler import loader
    paths = sorted(p for p in spec.rglob("*") if p.suffix in SPEC_EXTENSIONS and p.is_file()) if spec.is_dir() else [spec]
    if not paths:
        raise click.UsageError(f"no .yaml or .yml files in {spec}")
    outside = [Finding(str(path), 1, 1, "", f"a symbolic link leading outside the spec folder {spec}", "copy the file into the folder")
               for path in paths if not path.resolve().is_relative_to(spec.resolve())]
    if outside:
        raise SpecError(outside)
    try:
        sources = []
        for path in paths:
            with path.open("rb") as file:
                sources.append((str(path), file.read(loader.MAX_FILE_BYTES + 1)))
        return sources
    except OSError as err:
        _fail(f"{err.filename or path}: cannot read: {err.strerror}")


def _outside_spec(spec: Path, out: Path) -> Path:
    """--out, unless it lies in the spec folder, where the next run would read it as spec."""
    if spec.is_dir() and out.resolve().is_relative_to(spec.resolve()):
        raise click.UsageError(f"--out {out} is inside the spec folder {spec}: the next run would read the generated files as spec")
    return out


def read_git_sources(ref: str, spec: Path) -> list[tuple[str, bytes]]:
    """The spec's files as they are in git at REF: the same file, or every .yaml/.yml file below
    the same folder, as SPEC. SPEC is made relative to the repository's root by git itself, so
    it may lie in any subfolder and the command may run from any folder."""
    from compiler import loader
    folder = spec if spec.is_dir() else spec.parent

    def git(*args: str, cwd: Path) -> bytes:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
        if result.returncode != 0:
            _fail(f"git {' '.join(args)}: {result.stderr.decode(errors='replace').strip()}", code=2)
        return result.stdout

    root = Path(git("rev-parse", "--show-toplevel", cwd=folder).decode().strip())
    prefix = git("rev-parse", "--show-prefix", cwd=folder).decode().strip()
    relative = prefix + ("" if spec.is_dir() else spec.name)
    # paths in ls-tree and `REF:PATH` are from the root only when git runs there
    names = git("ls-tree", "-r", "--name-only", ref, "--", relative or ".", cwd=root).decode().splitlines()
    names = [name for name in names if name.endswith(SPEC_EXTENSIONS)]
    if not names:
        _fail(f"{spec} does not exist at {ref} (looked for {relative or '.'} from the repository's root)", code=2)

    def blob(name: str) -> bytes:
        # a blob over the loader's limit is not read whole: its first bytes are enough for the message
        if int(git("cat-file", "-s", f"{ref}:{name}", cwd=root)) > loader.MAX_FILE_BYTES:
            return b" " * (loader.MAX_FILE_BYTES + 1)
        return git("show", f"{ref}:{name}", cwd=root)

    return [(f"{ref}:{name}", blob(name)) for name in names]


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _report(problems: tuple[Finding, ...] | list[Finding]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def spec_label(spec: Path) -> str:
    """The spec's name in generated headers: its file's or folder's name however SPEC is spelled
    (`.` and `..` name the folders they are, as `spec/` and `./spec` do)."""
    return spec.name if spec.name not in ("", "..") else spec.resolve().name


def _compile(spec: Path, sources: list[tuple[str, bytes]] | None = None, failure: int = 1,
             label: str | None = None, writes: bool = False, checks_only: bool = False,
             strict: bool = False) -> pipeline.Compilation:
    """SPEC compiled, its warnings printed; an error (with --strict, a warning too) printed and
    exit `failure`, the summary line saying how many of each and, if `writes`, that nothing was."""
    from compiler import pipeline
    try:
        with pipeline.without_cycle_collection(freeze=True):  # a command keeps what it compiled until it ends
            compilation = pipeline.compile_spec(sources or read_sources(spec), label or spec_label(spec), checks_only)
    except SpecError as err:
        _report(err.problems)
        errors = sum(1 for problem in err.problems if problem.severity == "error")
        _refuse(spec, errors, len(err.problems) - errors if strict else 0, writes, failure)
    _report(compilation.warnings)
    if strict and compilation.warnings:
        _refuse(spec, 0, len(compilation.warnings), writes, failure)
    return compilation


def _refuse(spec: Path, errors: int, warnings: int, writes: bool, failure: int) -> NoReturn:
    """The summary of a failed compile; `warnings` are those --strict counts as errors."""
    found = [counted(errors, "error")] if errors or not warnings else []
    if warnings:
        found.append(f"{counted(warnings, 'warning')} (--strict: warnings are errors)")
    _fail(f"{spec}: {', '.join(found)}" + ("; nothing was written" if writes else ""), code=failure)


def _costs(compilation: pipeline.Compilation) -> None:
    """What each rule group reads per evaluation, estimated from metrics.*.cardinality."""
    if compilation.costs:
        click.echo("Series read per evaluation (estimated from metrics.*.cardinality):")
    for found in compilation.costs:
        every = "global interval" if found.interval == "global" else f"every {found.interval}"
        click.echo(f"  {found.group} ({every}): {found.series:,}; most by {found.heaviest.rule} ({found.heaviest.series:,})")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="indicator-compiler", prog_name="indicators")
def main() -> None:
    """Compile one indicators.yaml into Prometheus rules, Grafana dashboards, Alertmanager
    routing and docs that agree with each other.

    SPEC is a spec file, or a folder whose .yaml files together make one spec (for example one
    file per team). It defaults to indicators.yaml.
    """


def _one_of(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise click.UsageError("give --quiet or --verbose, not both")


def _generate_command(spec: Path, out: Path) -> str:
    """The command that brings --out up to date, as the user would type it."""
    return f"indicators generate {spec}" + ("" if out == Path("generated") else f" --out {out}")


@main.command()
@spec_argument
@out_option
@quiet_option
@verbose_option
@strict_option
def generate(spec: Path, out: Path, quiet: bool, verbose: bool, strict: bool) -> None:
    """Compile SPEC and write every artifact to --out.

    Writing is atomic, even when killed: --out is the old folder or the new one, never a mix.
    Files generated before and no longer produced are removed; files the compiler did not
    write are never touched; symbolic links are never followed. With --strict a warning
    fails it as an error does: exit 1, nothing written.
    """
    from compiler import writer
    _one_of(quiet, verbose)
    compilation = _compile(spec, writes=True, strict=strict)
    try:
        report = writer.write(_outside_spec(spec, out), compilation.files)
    except writer.WriteError as err:
        _fail(str(err))
    if verbose:
        for path in report.written:
            click.echo(f"  written {out / path}")
        for path in report.removed:
            click.echo(f"  removed {out / path}")
    if not quiet:
        click.echo(f"{out}: {len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.removed)} removed "
                   f"({counted(len(compilation.spec.indicators), 'indicator')})")
    if verbose:
        _costs(compilation)


@main.command()
@spec_argument
@out_option
@quiet_option
@strict_option
def check(spec: Path, out: Path, quiet: bool, strict: bool) -> None:
    """Exit 1 with a unified diff when --out is not what SPEC compiles to (the CI drift gate);
    with --strict, also when SPEC has a warning."""
    from compiler import writer
    compilation = _compile(spec, strict=strict)
    out = _outside_spec(spec, out)
    if not out.exists() and not out.is_symlink():  # a link, even a broken one, is the writer's to refuse
        _fail(f"{out} does not exist: run `{_generate_command(spec, out)}` and commit it")
    try:
        diffs = writer.drift(out, compilation.files)
    except writer.WriteError as err:
        _fail(str(err))
    if diffs:
        click.echo("".join(diffs), nl=False)
        differ = "differs" if len(diffs) == 1 else "differ"
        _fail(f"{out} is stale: {counted(len(diffs), 'file')} {differ} from what {spec} compiles to; run `{_generate_command(spec, out)}`")
    if not quiet:
        click.echo(f"{out}: up to date with {spec}")


@main.command()
@spec_argument
@quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the series each rule group reads.")
@strict_option
def validate(spec: Path, quiet: bool, verbose: bool, strict: bool) -> None:
    """Check SPEC and report every problem as FILE:LINE:COL: FIELD: MESSAGE; write nothing.
    Exit 1 on an error, and with --strict on a warning too."""
    _one_of(quiet, verbose)
    compilation = _compile(spec, checks_only=True, strict=strict)
    if not quiet:
        click.echo(f"{spec}: valid ({counted(len(compilation.spec.indicators), 'indicator')})")
    if verbose:
        _costs(compilation)


TOOL_MISSING = 4
PROMETHEUS_UNREACHABLE = 3
TOKEN_VARIABLE = "INDICATORS_PROMETHEUS_TOKEN"
BASIC_AUTH_VARIABLE = "INDICATORS_PROMETHEUS_BASIC_AUTH"


def _duration(ctx, param, value: str) -> float:
    from compiler import durations
    if not durations.is_duration(value) or durations.seconds(value) == 0:
        raise click.BadParameter(f"{value!r}: expected a duration such as 7d", ctx, param)
    return durations.seconds(value)


@main.command()
@spec_argument
@out_option
@quiet_option
@click.option("--prometheus", "url", metavar="URL",
              help="Instead of the files: check that this live Prometheus has the series the rules read.")
@click.option("--lookback", default="7d", show_default=True, callback=_duration, metavar="DURATION",
              help="With --prometheus: how far back to look for a missing series.")
@click.option("--cardinality-factor", "factor", type=click.FloatRange(min=1), default=2.0, show_default=True,  # online.FACTOR (a test holds them equal)
              help="With --prometheus: warn when a label has more than this many times its cardinality estimate.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30, show_default=True, help="With --prometheus: seconds per query.")
@click.option("--bearer-token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"With --prometheus: file holding a bearer token (or set {TOKEN_VARIABLE}).")
@click.option("--basic-auth-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"With --prometheus: file holding user:password (or set {BASIC_AUTH_VARIABLE}).")
def verify(spec: Path, out: Path, quiet: bool, url: str | None, lookback: float, factor: float, timeout: float,
           bearer_token_file: Path | None, basic_auth_file: Path | None) -> None:
    """Run the real validators on the files SPEC compiles to, as they are in --out: promtool
    check rules (with lint) and test rules, amtool check-config and a `config routes test` per
    alert the escalation matrix routes, vmalert -dryRun. Tools come from $PROMTOOL, $AMTOOL,
    $VMALERT, else PATH.

    With --prometheus URL, instead of the validators (it needs no --out and no tools), check
    the live Prometheus, per indicator: the metrics its rules read that have no series (and
    whether they were seen within --lookback), the label values its selectors need that no
    series carries, and each label's distinct values against metrics.*.cardinality (a warning
    beyond --cardinality-factor times the estimate); then the server's retention and query
    look-back against what the rules need. Credentials as for `indicators report`.

    Exit codes: 0 every check passed; 1 an invalid spec, a check failed, a series is missing
    or a server setting falls short;
    2 bad usage; 3 Prometheus could not be queried; 4 no check failed but a validator is not
    installed.
    """
    from concurrent.futures import ThreadPoolExecutor

    from compiler import validators
    compilation = _compile(spec)
    if url is not None:
        _verify_online(compilation.spec, _client(url, timeout, bearer_token_file, basic_auth_file), lookback, factor, quiet)
        return
    if not out.is_dir():
        _fail(f"{out} does not exist: run `{_generate_command(spec, out)}`")
    checks = validators.validators(compilation.spec, compilation.files, out)
    if not checks:
        click.echo(f"{spec} generates no rule files and no Alertmanager config (output.targets): nothing to verify")
    failed, absent = 0, []
    with ThreadPoolExecutor(os.cpu_count()) as pool:  # one process per file or case: they run side by side
        for check in checks:
            binary = validators.find(check.tool)
            if binary is None:
                absent.append(check.tool)
                click.echo(f"error: {check.title}: not run: {validators.missing(check.tool)}", err=True)
                continue
            results = pool.map(lambda run, binary=binary: subprocess.run([binary, *run.args], capture_output=True, text=True, check=False),
                               check.runs)
            bad = 0
            for run, result in zip(check.runs, results):
                if result.returncode != 0:
                    bad += 1
                    what = f" ({run.case})" if run.case else ""
                    click.echo(f"{out / run.file}: {check.title} failed{what}:\n{(result.stdout + result.stderr).strip()}", err=True)
            failed += bad
            if not quiet or bad:
                click.echo(f"{check.title}: {counted(len(check.runs), check.unit)}, {bad} failed")
    if failed:
        _fail(f"{out}: {counted(failed, 'check')} failed")
    if absent:
        _fail(f"{out}: not verified by {', '.join(dict.fromkeys(absent))}", code=TOOL_MISSING)


def _verify_online(spec: Spec, client: prometheus_api.Client, lookback: float, factor: float, quiet: bool) -> None:
    from compiler import online, prometheus_api
    from compiler.backends import prometheus
    plan = prometheus.build(spec)  # what the rules read, whichever targets the spec writes
    try:
        sections = online.check(spec, plan, client.ask, datetime.now(UTC).timestamp(), lookback, factor)
    except prometheus_api.PrometheusError as err:
        _fail(f"cannot query Prometheus: {err}", code=PROMETHEUS_UNREACHABLE)
    try:  # a server that answers queries but has no status pages (Mimir, VictoriaMetrics) is unchecked, not unreachable
        flags = client.status("flags")
        try:
            runtime: dict[str, str] | None = client.status("runtimeinfo")
        except prometheus_api.NotFound:
            runtime = None
        server = online.settings(plan, flags, runtime)
    except prometheus_api.NotFound as err:
        server = online.settings(plan, None, None, f"its flags could not be read: {err}")
    except prometheus_api.PrometheusError as err:
        _fail(f"cannot query Prometheus: {err}", code=PROMETHEUS_UNREACHABLE)
    for line in online.report(sections, server, client.url, quiet):
        click.echo(line)
    missing = len({finding for section in sections for finding in section.findings if finding.failure})  # once, however many read it
    problems = [f"{missing} series the rules read {'are' if missing != 1 else 'is'} missing"] if missing else []
    problems += [finding.kind for finding in server.findings if finding.failure]
    if problems:
        _fail(f"{client.url}: {'; '.join(problems)}")


@main.command()
@click.option("--format", "style", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="markdown: the spec reference for people (every field, type, default, allowed values).")
def schema(style: str) -> None:
    """Print the spec's JSON Schema, for editors (yaml-language-server) and other tools, or
    the reference generated from it (docs/spec-reference.md)."""
    from compiler import emit, reference
    from compiler.checks.schema import schema_text
    click.echo(schema_text() if style == "json" else emit.render_prose(reference.reference()), nl=False)


@main.command()
@click.argument("specs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--base-ref", metavar="REF", help="Read the base spec from git at REF (e.g. origin/main); then give only HEAD_SPEC.")
@click.option("--format", "style", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="markdown suits a pull-request comment.")
def diff(specs: tuple[Path, ...], base_ref: str | None, style: str) -> None:
    """What changing BASE_SPEC into HEAD_SPEC does to the monitoring.

    \b
    indicators diff BASE_SPEC HEAD_SPEC
    indicators diff --base-ref origin/main [HEAD_SPEC]

    Compiles both and reports, per indicator, alerts and recording rules added or removed,
    thresholds, `for`, rule groups' evaluation intervals, levels, severities, the receivers each
    alert reaches, their timers, when it is muted and how it is grouped, receivers' and e-mail
    settings, and dashboard panels, with before and after values.

    Exit codes: 0 no change, 1 changes, 2 error (bad usage, an invalid spec, git failing).
    """
    from compiler import diff as semantic
    from compiler import emit
    if base_ref is not None:
        if len(specs) > 1:
            raise click.UsageError("with --base-ref give only HEAD_SPEC")
        head = specs[0] if specs else Path("indicators.yaml")
        if not head.exists():
            raise click.UsageError(f"{head} does not exist")
        base_label, base = f"{base_ref}:{head}", _compile(head, read_git_sources(base_ref, head), failure=2)
    elif len(specs) == 2:
        head = specs[1]
        # both sides under the head's name, so generated headers naming the spec do not differ
        base_label, base = str(specs[0]), _compile(specs[0], failure=2, label=spec_label(head))
    else:
        raise click.UsageError("give BASE_SPEC and HEAD_SPEC, or --base-ref REF [HEAD_SPEC]")
    compiled = _compile(head, failure=2)
    changes = semantic.semantic_diff(base, compiled)
    titles = {i.id: i.title for i in base.spec.indicators + compiled.spec.indicators}
    click.echo(emit.render_prose(semantic.report(changes, base_label, str(head), titles, style == "markdown")), nl=False)
    sys.exit(1 if changes else 0)


IMPORTERS = ("openslo", "sloth")  # importers.openslo.TOOL, importers.sloth.TOOL (a test holds them equal)


@main.command("import")
@click.argument("tool", type=click.Choice(IMPORTERS))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write the spec to; without it, or with -, standard output.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists (without it an existing file is refused).")
def import_(tool: str, files: tuple[Path, ...], out: Path | None, force: bool) -> None:
    """Turn Sloth SLOs (prometheus/v1 files, PrometheusServiceLevel objects) or OpenSLO SLOs
    (openslo/v1) into an indicators/v1 spec that compiles. What does not map is a comment in
    the spec and a warning; an unsupported document, a plugin SLI or a malformed file is an
    error (exit 1) and nothing is written. An existing --out (your spec, most likely) is an
    error too, unless --force."""
    from compiler import importers
    from compiler.importers import openslo, sloth
    to_file = out is not None and str(out) != "-"
    exists = f"{out} already exists; nothing was written (pass --force to overwrite it)"
    # a spec file is refused; a device or a pipe (--out /dev/null) is only written to
    overwrites = force or (to_file and out is not None and out.exists() and not out.is_file())
    if to_file and out is not None and not overwrites and (out.exists() or out.is_symlink()):
        _fail(exists)
    sources = [source for file in files for source in read_sources(file)]
    try:
        parse = {sloth.TOOL: sloth.parse, openslo.TOOL: openslo.parse}[tool]
        result = importers.run(parse, tool, sources, str(out) if out is not None and str(out) != "-" else "<stdout>")
    except SpecError as err:
        _report(err.problems)
        errors = sum(1 for problem in err.problems if problem.severity == "error")
        _fail(f"{counted(errors, 'error')}; nothing was written")
    _report(result.warnings)
    if out is None or not to_file:
        click.echo(result.text, nl=False)
        return
    try:
        with out.open("w" if overwrites else "x") as written:  # "x": one created meanwhile is refused too
            written.write(result.text)
    except FileExistsError:
        _fail(exists)
    except OSError as err:
        _fail(f"{out}: cannot write: {err.strerror}")
    click.echo(f"{out}: {counted(result.indicators, 'indicator')} imported from {tool}", err=True)


RECORD_EXTENSIONS = (".csv", ".json", ".yaml", ".yml")


@main.command()
@click.argument("records", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--spec", "spec", default="indicators.yaml", show_default=True, type=click.Path(exists=True, path_type=Path),
              help="The spec whose metric catalogue the records follow.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="OpenMetrics file to write; without it, or with -, standard output.")
@click.option("--serve", "address", metavar="HOST:PORT",
              help="Instead of writing: serve each series' newest record on http://HOST:PORT/metrics, reading RECORDS anew at each scrape.")
def collect(records: tuple[Path, ...], spec: Path, out: Path | None, address: str | None) -> None:
    """Turn dated records (CSV, JSON or YAML files, or folders of them) of the indicators no
    service emits into OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. Each
    record is checked against the metric catalogue; a bad one is reported at its file:line and
    left out, the rest are written, and the exit code is 1.

    With --serve, a Prometheus scrapes them instead: each scrape reads RECORDS again (a file
    dropped into a folder is served from the next scrape on) and gets each series' newest
    record, stamped by Prometheus; a bad record is reported once and left out. It runs until
    interrupted (exit 0)."""
    from compiler import collect as collector
    compilation = _compile(spec)
    if address is not None:
        if out is not None:
            raise click.UsageError("give --out or --serve, not both")
        _serve_records(records, compilation.spec, address)
        return
    samples, problems = _records(records, compilation.spec)
    _report(problems)
    text = collector.openmetrics(samples, compilation.spec)
    if out is None or str(out) == "-":
        click.echo(text, nl=False)
    else:
        try:
            out.write_text(text)
        except OSError as err:
            _fail(f"{out}: cannot write: {err.strerror}")
    click.echo(f"{out or 'standard output'}: {counted(len(samples), 'record')} written, {len(problems)} left out", err=True)
    if problems:
        sys.exit(1)


def _records(records: tuple[Path, ...], spec: Spec) -> tuple[list[collector.Sample], list[Finding]]:
    """Every record file given or below a folder given, collected at this moment; a file that
    cannot be read (it may go between listing and reading) is a problem, the rest are read."""
    paths = [path for given in records
             for path in (sorted(p for p in given.rglob("*") if p.suffix in RECORD_EXTENSIONS and p.is_file()) if given.is_dir() else [given])]
    from compiler import collect as collector
    files, unreadable = [], []
    for path in paths:
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as err:
            unreadable.append(Finding(str(path), 1, 1, "", f"cannot read: {err.strerror}"))
    samples, problems = collector.collect(files, spec, datetime.now(UTC).timestamp())
    return samples, unreadable + problems


def _serve_records(records: tuple[Path, ...], spec: Spec, address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise click.UsageError(f"--serve {address!r}: expected HOST:PORT, e.g. 0.0.0.0:9464 or 127.0.0.1:9464")
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from compiler import collect as collector
    reported: set[Finding] = set()

    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path.partition("?")[0] != "/metrics":
                self.send_error(404, "only /metrics is served")
                return
            samples, problems = _records(records, spec)
            _report([problem for problem in problems if problem not in reported])  # once each, not at every scrape
            reported.update(problems)
            body = collector.openmetrics(collector.latest(samples), spec, timestamps=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # a scrape every 15s is no news
            pass

    try:
        server = ThreadingHTTPServer((host, int(port)), Metrics)
    except OSError as err:
        _fail(f"--serve {address}: cannot listen: {err.strerror}")
    click.echo(f"serving the records of {', '.join(map(str, records))} on http://{address}/metrics", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.group()
def report() -> None:
    """Reports for people from a live Prometheus (chapter 8.1.8), read from the recorded series
    the generated rules write, so they agree with the dashboards.

    \b
    Exit codes: 0 written; 1 an invalid spec or --out not writable; 2 bad usage (a bad --week,
    --month, --where, --prometheus URL or credential); 3 Prometheus could not be queried
    (unreachable, HTTP error, timeout, a redirect to another origin, an answer too big or not
    the API's). Credentials: a bearer token or user:password from --bearer-token-file /
    --basic-auth-file, or from the environment variables INDICATORS_PROMETHEUS_TOKEN /
    INDICATORS_PROMETHEUS_BASIC_AUTH; they are sent to the --prometheus origin only.
    """


def _report_options(command):
    options = [
        click.option("--prometheus", "url", required=True, metavar="URL", help="Prometheus (or Thanos/Mimir query) base URL."),
        click.option("--format", "style", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True,
                     help="html adds a trend chart per headline value."),
        click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output."),
        click.option("--where", multiple=True, metavar="LABEL=VALUE",
                     help="Only series with this global label value, e.g. cluster=prod-eu (repeatable). "
                          "Without it, series of every cluster are read together."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=30, show_default=True, help="Seconds per query, from connecting to the last byte."),
        click.option("--bearer-token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=f"File holding a bearer token (or set {TOKEN_VARIABLE})."),
        click.option("--basic-auth-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=f"File holding user:password (or set {BASIC_AUTH_VARIABLE})."),
        spec_argument,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _write_report(build, spec: Path, chosen: periods.Period, url: str, style: str, out: Path | None, where: tuple[str, ...],
                  timeout: float, bearer_token_file: Path | None, basic_auth_file: Path | None) -> None:
    from compiler import emit, prometheus_api
    compilation = _compile(spec)
    matchers = []
    for pair in where:
        label, _, value = pair.partition("=")
        if label not in compilation.spec.global_labels or not value:
            raise click.UsageError(f"--where {pair!r}: expected LABEL=VALUE with LABEL one of the global labels: "
                                   f"{', '.join(compilation.spec.global_labels) or 'none'}")
        matchers.append((label, value))
    client = _client(url, timeout, bearer_token_file, basic_auth_file)
    try:
        prose = build(compilation.spec, chosen, client.ask, tuple(sorted(matchers)), style == "html")
    except prometheus_api.PrometheusError as err:
        _fail(f"cannot query Prometheus: {err}", code=PROMETHEUS_UNREACHABLE)
    _put(emit.render_prose(prose), out, f"{chosen.label} report")


def _client(url: str, timeout: float, bearer_token_file: Path | None, basic_auth_file: Path | None,
            **limits) -> prometheus_api.Client:
    from compiler import prometheus_api
    try:
        return prometheus_api.Client(prometheus_api.check_url(url), timeout, prometheus_api.authorization(
            _secret(bearer_token_file, TOKEN_VARIABLE, "bearer token"), _secret(basic_auth_file, BASIC_AUTH_VARIABLE, "user:password")),
            **limits)
    except prometheus_api.BadSetting as err:
        raise click.UsageError(str(err)) from None


def _put(text: str, out: Path | None, what: str) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as err:
        _fail(f"{out}: cannot write: {err.strerror}")
    click.echo(f"{out}: {what} written")


def _secret(path: Path | None, variable: str, kind: str) -> str | None:
    """A credential from its file, else from the environment; never from the command line.
    A bad one is bad usage, named by where it came from and never shown."""
    from compiler import prometheus_api
    source = str(path) if path else f"${variable}"
    try:
        text = path.read_bytes().decode("utf-8") if path else os.environ.get(variable)
        return prometheus_api.check_credential(text, kind) if text is not None else None
    except OSError as err:
        _fail(f"{path}: cannot read: {err.strerror}", code=2)
    except UnicodeDecodeError:
        raise click.UsageError(f"{source}: the {kind} is not UTF-8 text") from None
    except prometheus_api.BadSetting as err:
        raise click.UsageError(f"{source}: {err}") from None


def _period(parse, text: str | datetime):
    from compiler.reports import period as periods
    try:
        return parse(text)
    except periods.PeriodError as err:
        raise click.UsageError(str(err)) from None


@report.command("weekly")
@click.option("--week", metavar="YYYY-Www", help="ISO week, in UTC (default: the last complete week).")
@_report_options
def report_weekly(week: str | None, spec: Path, **options) -> None:
    """The weekly leading-indicators review: executive summary with trends, platform-health
    table, per-model quality table and action items (every series at red or worse, with its
    responders and runbook). Values are read at the end of the week (Monday 00:00 UTC)."""
    from compiler.reports import period as periods
    from compiler.reports import weekly
    chosen = _period(periods.week, week or periods.last_week(datetime.now(UTC)))
    _write_report(weekly.build, spec, chosen, **options)


@report.command("monthly")
@click.option("--month", metavar="YYYY-MM", help="Calendar month, in UTC (default: the last complete month).")
@_report_options
def report_monthly(month: str | None, spec: Path, **options) -> None:
    """The monthly business review: each scorecard entry's weight, score and weakest indicator,
    the composite score and the predicted ROI multiplier, each against the month before."""
    from compiler.reports import monthly
    from compiler.reports import period as periods
    chosen = _period(periods.month, month or periods.last_month(datetime.now(UTC)))
    _write_report(monthly.build, spec, chosen, **options)


@main.command()
@click.option("--prometheus", "url", required=True, metavar="URL", help="Prometheus (or Thanos/Mimir query) base URL holding the history.")
@click.option("--from", "since", metavar="TIME", help="Start, RFC 3339 or YYYY-MM-DD (UTC unless given).")
@click.option("--to", "until", metavar="TIME", help="End (default: now).")
@click.option("--last", metavar="DURATION", help="The range ending at --to, e.g. 30d (default 7d).")
@click.option("--base-ref", metavar="REF", help="Also replay the spec as it is in git at REF (e.g. origin/main) and compare.")
@click.option("--format", "style", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True,
              help="html adds a timeline per receiver.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60, show_default=True, help="Seconds per query.")
@click.option("--bearer-token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"File holding a bearer token (or set {TOKEN_VARIABLE}).")
@click.option("--basic-auth-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"File holding user:password (or set {BASIC_AUTH_VARIABLE}).")
@quiet_option
@spec_argument
def backtest(url: str, since: str | None, until: str | None, last: str | None, base_ref: str | None, style: str,
             out: Path | None, timeout: float, bearer_token_file: Path | None, basic_auth_file: Path | None, quiet: bool,
             spec: Path) -> None:
    """Would SPEC's alerts have fired over recorded history, and whom would they have notified?

    \b
    Replays the compiled rules with vmalert -replay (Debian package victoria-metrics) against a
    scratch copy of the history in --prometheus, then walks the generated Alertmanager config.
    Progress goes to standard error (not with --quiet).
    Exit codes: 0 within every responder's noise_budget; 1 over a budget (or an invalid spec);
    2 bad usage; 3 Prometheus or the engine failed, or the range holds no data.
    """
    from compiler import emit, prometheus_api
    from compiler.backtest import engine
    from compiler.backtest import report as backtesting
    from compiler.reports import period as periods
    compilation = _compile(spec)
    base = _compile(spec, read_git_sources(base_ref, spec), label=spec_label(spec)) if base_ref else None
    start, end = _period(functools.partial(periods.span, since, until, last), datetime.now(UTC))
    client = _client(url, timeout, bearer_token_file, basic_auth_file, max_answer_bytes=engine.MAX_HISTORY_BYTES)

    def progress(prefix: str):
        return (lambda line: None) if quiet else (lambda line: click.echo(prefix + line, err=True))

    try:
        before = backtesting.judge(base, client.ask, start, end, progress(f"{base_ref}: ")) if base else None
        result = backtesting.judge(compilation, client.ask, start, end, progress(""))
    except prometheus_api.PrometheusError as err:
        _fail(f"cannot query Prometheus: {err}", code=PROMETHEUS_UNREACHABLE)
    except engine.EngineError as err:
        _fail(str(err), code=PROMETHEUS_UNREACHABLE)
    prose = backtesting.build(compilation.spec, result, start, end, url, before, f"{base_ref}:{spec}" if base_ref else "",
                              style == "html")
    _put(emit.render_prose(prose), out, "backtest")
    for verdict in result.over_budget:
        click.echo(f"over the noise budget: {verdict.receiver} {verdict.per_week} (budget {verdict.budget}/week): "
                   + ", ".join(f"{alert} {count}" for alert, count in verdict.alerts), err=True)
    sys.exit(1 if result.over_budget else 0)


def run() -> NoReturn:
    """The `indicators` command (main, standalone) ended without the interpreter's teardown: a
    compile of 10,000 indicators leaves a million objects in caches, and freeing them one by one
    at exit took half a second. Output is flushed first. The only exit handler the commands can
    leave is concurrent.futures' thread join, and `verify` joins its pool before it returns (mypy
    ends the same way)."""
    try:
        main(prog_name="indicators")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: what Python itself exits with when it cannot flush
        code = 120
    os._exit(code or 0)
