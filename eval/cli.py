"""The `sumtrack` command: argument parsing and printing only.

Exit codes: 0 everything worked; 1 the run finished but some document or system failed (its results are
still written); 2 the config or the command line is wrong and nothing ran.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eval import config as config_mod
from eval.config.score import score_config
from eval.options import DEFAULT_TYPES, ROUGE_TYPES, TOKENIZERS, available_cores
from summarize import __version__, registry
from summarize.corpus import AUTO, DEFAULT_MAX_CHARS
from summarize.errors import SumtrackError
from summarize.printable import shown
from summarize.text import RULES

if TYPE_CHECKING:
    from eval.run.result import RunResult

# `--help`, `list` and `validate` start fast: numpy, nltk, torch and the run machinery (eval.run.runner,
# eval.output.tables, eval.output.writers) are imported inside the commands that use them.

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a Unix tool whose reader went away


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits with status 1 here; main() turns a closed pipe into EXIT_PIPE, as for print().
        raise BrokenPipeError


# Piped output gets wide lines rather than tables squeezed to 80 columns.
out = _Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _t(value: object) -> Text:
    """Data as plain text: an id like `lead[/red]` or `report [v1]` is never read as console markup, and a
    control character in it (an ANSI escape, a CR) is shown escaped, never acted on."""
    return Text(shown(str(value)))


def _error(message: str, *, lines: bool = False) -> None:
    """One `sumtrack: error:` line, control characters from data escaped (a newline in an id does not
    split it); with `lines`, one line per line of a message that lists several problems (a config's)."""
    for line in message.split("\n") if lines else [message]:
        err.print(f"sumtrack: error: {shown(line)}", markup=False)


def _warning(message: str) -> None:
    err.print(f"sumtrack: warning: {shown(message)}", markup=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumtrack",
        description="Compare summarization models; measure how closely rewritten texts track their source.",
    )
    parser.add_argument("--version", action="version", version=f"sumtrack {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run an evaluation config end to end")
    meta = sub.add_parser("meta", help="run a config, then say how well each measure agrees with people")
    meta.add_argument("--judgments", type=Path, help="the judgments file (default: meta.judgments)")
    for command in (run, meta):
        command.add_argument("config", type=Path)
        command.add_argument("--out", type=Path, help="run directory (default: output.dir from the config)")
        command.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY.PATH=VALUE",
            help="override a config value, e.g. --set rouge.stem=false or --set systems.lead-3.sentences=2",
        )

    validate = sub.add_parser(
        "validate", help="check a config (keys, values, systems, files) without running it"
    )
    validate.add_argument("config", type=Path)
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")

    sub.add_parser("list", help="list the systems and metrics available")

    score = sub.add_parser("score", help="score files against a source, without a config")
    score.add_argument("--source", type=Path, required=True, help="the original text (the target)")
    score.add_argument("files", type=Path, nargs="+", help="texts to score against the source")
    score.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    score.add_argument(
        "--raw",
        action="store_true",
        help="no cleaning or normalisation; the text's own lines are its sentences",
    )
    score.add_argument("--no-stem", action="store_true", help="turn off Porter stemming")
    score.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default="default",
        help="unicode keeps letters of every script (default: rouge-score's, ASCII only)",
    )
    score.add_argument("--types", nargs="+", default=list(DEFAULT_TYPES), choices=ROUGE_TYPES, metavar="TYPE")
    score.add_argument(
        "--encoding",
        type=_codec,
        default=AUTO,
        help="codec of the files: auto (a byte-order mark, else UTF-8, else detected) or a codec name",
    )
    score.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help=f"refuse files longer than this many characters (default {DEFAULT_MAX_CHARS:,})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Model loading draws its own progress bars on stderr; the CLI shows one status line instead.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        commands = {"run": cmd_run, "meta": cmd_meta, "validate": cmd_validate, "list": cmd_list}
        handler = {**commands, "score": cmd_score}[args.command]
        code = handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader (`| head -1`) went away: stop quietly, as Unix tools do. Point stdout at /dev/null so
        # the interpreter's own flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    except SumtrackError as exc:
        _error(str(exc), lines=True)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        _error(f"interrupted; {exc}" if str(exc) else "interrupted")
        return 130


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = config_mod.load(args.config, args.overrides)
    wrong = config_mod.check_config(loaded)
    missing = config_mod.check_files(loaded)
    for problem in [*wrong, *missing]:
        _error(problem, lines=True)
    # A wrong config stops a run before anything is computed (2); a missing input only leaves that
    # document out of the run (1): validate says what run would.
    if wrong:
        return EXIT_USAGE
    if missing:
        return EXIT_PARTIAL
    execution = loaded.config.execution
    cores = available_cores()
    if execution.engine == "local" and execution.workers is not None and execution.workers > cores:
        _warning(
            f"execution.workers {execution.workers}: a run here uses at most {cores} (this machine's cores)"
        )
    # A model that cannot load here is not an error (a run reports it unavailable and goes on, exit 0),
    # but validate says so: "valid" alone hid five models that would not run (issue 21).
    unloadable = config_mod.check_models(loaded)
    for name, reason, _ in unloadable:
        _warning(f"{name}: {reason}; it will be skipped")
    for advice in dict.fromkeys(a for _, _, a in unloadable if a):
        err.print(f"sumtrack: {shown(advice)}", markup=False)
    systems = ", ".join(f"{s.name} ({s.type})" for s in loaded.systems) or "none"
    clusters, files = len(loaded.clusters()), len(loaded.jsonl_files())
    skipped = f" ({len(unloadable)} will be skipped: not available here)" if unloadable else ""
    out.print(
        shown(
            f"{args.config}: valid; {_n(clusters, 'cluster')} listed, {_n(files, 'JSONL file')}, "
            f"systems{skipped}: {systems}; run folder: {loaded.output_dir()}"
        ),
        markup=False,
    )
    return EXIT_OK


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def cmd_list(args: argparse.Namespace) -> int:
    table = Table(title="Systems (use as `type:` in a config)")
    for column in ("type", "kind", "description", "settings"):
        table.add_column(column)
    for entry in registry.available():
        table.add_row(
            *map(_t, (entry.name, entry.kind, entry.description, ", ".join(entry.params.model_fields)))
        )
    out.print(table)
    out.print(f"ROUGE types: {', '.join(ROUGE_TYPES)} (default: {', '.join(DEFAULT_TYPES)})", markup=False)
    out.print("ROUGE tokenizers: default (rouge-score's: ASCII letters and digits), unicode (every script)")
    out.print(f"Cleaning rules: {', '.join(RULES)}", markup=False)
    from eval.output.writers import all_writers  # light: the writers import what they need when they run

    formats = "; ".join(f"{w.name} ({', '.join(w.files)})" for w in all_writers())
    out.print(f"Output formats (output.formats): {formats}", markup=False)
    return EXIT_OK


def cmd_meta(args: argparse.Namespace) -> int:
    """`run`, then the meta-evaluation against the judgments (read, and checked line by line, first)."""
    from eval.output.meta_files import MetaJob

    loaded = config_mod.load(args.config, args.overrides)
    return cmd_run(args, loaded, MetaJob.read(loaded, args.judgments))


def cmd_run(args: argparse.Namespace, loaded: Any = None, meta: Any = None) -> int:
    from eval.output.folder import ForeignFolderError, RunFolder, RunFolderError
    from eval.run.runner import Runner

    loaded = loaded or config_mod.load(args.config, args.overrides)
    out_dir = args.out or loaded.output_dir()
    folder: RunFolder | None = None
    try:
        # Each cluster's rows go to the run folder (growing beside the old one) as the cluster finishes.
        folder = RunFolder(loaded, out_dir)
    except ForeignFolderError as exc:
        _error(f"{exc}; nothing was run")
        return EXIT_USAGE
    except RunFolderError as exc:
        # Known before any work: a run of thousands of clusters is not computed only to be lost.
        _error(f"{exc}; nothing was run (choose another --out or output.dir)")
        return EXIT_USAGE
    written: list[Path] = []
    from eval.output.console_progress import ConsoleProgress

    with ConsoleProgress(err) as progress:
        # Finished clusters are kept beside the run folder until it is written: a killed run resumes.
        store_dir = out_dir.parent / f".{out_dir.name}.clusters"
        sink = folder if meta is None else meta.sink(folder)
        try:
            result = Runner(loaded, progress=progress, store_dir=store_dir, sink=sink).run()
        except BaseException as exc:
            if folder is not None:
                folder.discard()
            from eval.run.store import FILE_NAME

            if isinstance(exc, KeyboardInterrupt) and (store_dir / FILE_NAME).is_file():
                kept = f"the clusters scored so far are kept in {store_dir}; run the same command to resume"
                raise KeyboardInterrupt(kept) from None
            raise
        wrong = meta.evaluate(result, progress) if meta is not None else None
        if folder is not None:
            progress(f"writing {out_dir}")
            try:
                written = folder.commit(result)
                if meta is None:  # `meta` keeps them: the next `meta` with other judgments reuses them
                    shutil.rmtree(store_dir, ignore_errors=True)  # the run folder now holds every number
            except RunFolderError as exc:
                # The results are still printed below, so the run's numbers are not lost with the folder.
                _error(str(exc))
    _print_result(result, loaded.config.rouge.types)
    for problem in result.problems:
        _error(problem.message)
    for system in result.systems:
        if system.status == "failed":
            _error(f"system {system.name!r} failed: {system.error}")
    _print_unavailable(result)
    for warning in result.warnings:
        _warning(warning)
    if result.stopped:
        _error(f"run stopped early (on_error: stop): {result.stopped}")
    if result.resumed:
        err.print(
            shown(
                f"sumtrack: resumed an interrupted run: {result.resumed} of {result.scored} clusters were "
                f"read from {store_dir}, the others scored now"
            ),
            markup=False,
        )
    _print_meta(result)
    if wrong:
        _error(f"{wrong}; the run's files are written, without the meta-evaluation")
    if written:
        out.print(f"\nwrote {len(written)} files to {shown(str(out_dir))}", markup=False)
    return EXIT_OK if result.ok and written and not wrong else EXIT_PARTIAL


def _print_meta(result: Any) -> None:
    from eval.output.meta_files import console_parts, meta_notes

    if result.meta is None:
        return
    for title, header, rows in console_parts(result.meta):
        _print_table(title, header, rows, keys=3, ids=(0, 2))
    for line in meta_notes(result.meta):
        out.print(f"note: {shown(line)}", markup=False)
    out.print(f"meta signature: {result.meta.signature}", markup=False, soft_wrap=True)


def _print_unavailable(result: RunResult) -> None:
    """One short line per system that could not run here, then each piece of advice once (issue 21: five
    offline models gave five 400-character warnings); the whole message is in results.json and the
    reports' Systems section."""
    gone = [s for s in result.systems if s.status == "unavailable"]
    for system in gone:
        err.print(shown(f"sumtrack: {system.name}: {system.reason or system.error}; skipped"), markup=False)
    for advice in dict.fromkeys(s.advice for s in gone if s.advice):
        err.print(shown(f"sumtrack: {advice} (each reason in full: report.md, Systems)"), markup=False)


def _print_result(result: RunResult, metrics: Sequence[str]) -> None:
    """The per-text tables of the first clusters (at most CONSOLE_CLUSTERS), then what covers every
    cluster: the means, the comparisons and the systems, so a large run ends on its answer."""
    from eval.output.tables import (
        CONSOLE_CLUSTERS,
        comparison_target,
        comparisons_note,
        comparisons_table,
        detail_clusters,
        means_table,
        per_text_tables,
        source_rouge_table,
        systems_table,
    )

    listed = detail_clusters(result, CONSOLE_CLUSTERS)
    header, rows = source_rouge_table(result, metrics, listed)
    several = header[0] == "cluster"
    title = "How closely each text tracks its source (ROUGE against the source)"
    if not several and rows:
        title += f": {result.documents[0].cluster}"
    keys = 2 if several else 1
    _print_table(title, header, rows, keys=keys, ids=range(keys))
    for title, (header, rows) in per_text_tables(result, listed):
        if rows:  # the first column (the cluster) only where there are several
            header, rows = (header, rows) if several else (header[1:], [r[1:] for r in rows])
            _print_table(title, header, rows, keys=keys, ids=range(keys))
    total = max(result.scored, len(listed))
    if len(listed) < total:
        detail = (result.settings.get("output") or {}).get("detail_clusters")
        html = f", the first {min(detail, total)} also in report.html and report.md" if detail else ""
        out.print(
            f"... and {total - len(listed)} more clusters not shown here: every cluster is in scores.csv and "
            f"rows.csv{html}; the means and tests below cover all {total}",
            markup=False,
        )
    # One unbroken line, whatever the console's width: a signature is meant to be copied and searched for.
    out.print(f"signature: {result.signature}", markup=False, soft_wrap=True)
    target = comparison_target(result)
    title = f"Systems against the {target} (mean F1 over clusters)"
    _print_table(title, *means_table(result, target, metrics))
    if result.comparisons:
        title = "System comparisons (paired test over clusters, F1)"
        _print_table(title, *comparisons_table(result), keys=2, ids=(0, 1))
        note = comparisons_note(result)
        if note:
            out.print(f"note: {shown(note)}", markup=False, soft_wrap=False)
    if result.systems:
        _print_table("Systems and cost", *systems_table(result))


def _print_table(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    keys: int = 1,
    ids: Sequence[int] = (0,),
    caption: str | None = None,
) -> None:
    from eval.output.tables import fit_table

    if not rows:
        return
    for part in fit_table(title, header, rows, width=out.width, keys=keys, ids=ids, caption=caption):
        # Titles, captions and the legend wrap at the console's width too (`out` soft-wraps plain text).
        out.print(part, soft_wrap=False)


def _codec(value: str) -> str:
    if value != AUTO:
        try:
            codecs.lookup(value)
        except LookupError:
            raise argparse.ArgumentTypeError(
                f"unknown encoding {value!r}: expected auto or a codec name"
            ) from None
    return value


def cmd_score(args: argparse.Namespace) -> int:
    """Scores through the same library entry point as `run` (Runner), with the same settings."""
    from eval.run.runner import Runner

    # Reading advice names the settings as this command takes them: --encoding and --max-chars.
    result = Runner(config_mod.load_data(score_config(args)), names=("--encoding", "--max-chars")).run()
    for problem in result.problems:
        _error(problem.message)
    if not any(d.role == "source" for d in result.documents):
        return EXIT_USAGE
    for warning in result.warnings:
        hint = (
            "; try --tokenizer unicode"
            if "no ROUGE tokens" in warning and args.tokenizer == "default"
            else ""
        )
        _warning(f"{warning.split('; set rouge.tokenizer')[0]}{hint}")
    rows: list[dict[str, Any]] = [
        {
            "candidate": r.candidate,
            "target": r.target,
            "metric": r.metric,
            "precision": r.precision,
            "recall": r.recall,
            "f1": r.f1,
        }
        for r in result.scores
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        err.print(f"signature: {result.signature}", markup=False)
    else:
        _print_table(
            f"ROUGE against {args.source}",
            ["candidate", "metric", "precision", "recall", "f1"],
            [
                [r["candidate"], r["metric"], f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}"]
                for r in rows
            ],
        )
        out.print(f"signature: {result.signature}", markup=False)
    return EXIT_PARTIAL if result.problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
