"""Commands on a study database: init, import, assign, status, export, close, reopen."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import EvalstoreError
from .core import command, database_judgments, open_to_read, open_to_write, write_judgments
from .options import db_argument, output_options, study_option


@command()
@db_argument
def init(db):
    """Create an empty study database at DB (or migrate an existing one)."""
    existed = Path(db).exists()
    open_to_write(db, create=True)
    click.echo(f"{'migrated' if existed else 'created'} {db}", err=True)


@command("import")
@db_argument
@click.argument("file", type=click.Path())
@study_option("Study to create or add items to (may be left out when the database holds one).")
@click.option("--baseline", help="Baseline system (default: 'base' if present, else the first system).")
@click.option("--layout", type=click.Choice(["wide", "long"]), help="File layout (detected when not given).")
@click.option("--scale", type=click.Choice(["3", "5"]), help="New study: 3-point or 5-point scale [3].")
@click.option("--criteria", help="New study: comma-separated criteria [overall].")
@click.option("--overlap", type=int, help="New study: raters per item [3].")
@click.option("--pairing", type=click.Choice(["vs-baseline", "all-pairs"]), help="New study [vs-baseline].")
@click.option("--instructions", type=click.Path(dir_okay=False),
              help="New study: Markdown file of rater instructions.")
@click.option("--objective", help="New study: what the fine-tune should improve.")
@click.option("--seed", type=int, help="New study: seed for assignment [0].")
@click.option("--require-rationale", is_flag=True, default=None, help="New study: ask a rationale for non-ties.")
def import_(db, file, study, baseline, layout, scale, criteria, overlap, pairing, instructions, objective, seed,
            require_rationale):
    """Import model outputs from FILE (CSV, JSONL or Parquet; wide or long layout) into a study.

    Wide: item_id, prompt, [reference], output_<system>..., [latency_ms_<system>, metric_<name>_<system>],
    other columns = item metadata. Long: item_id, prompt, system, output, [latency_ms, metric_<name>].
    Nothing is written unless the whole file is valid.
    """
    from ..importing import import_file
    from ..studies import get_study

    conn = open_to_write(db, create=True)
    if study is None:
        try:
            study = get_study(conn).name
        except EvalstoreError:
            raise EvalstoreError("--study NAME is required (the study to create or add items to)") from None
    result = import_file(
        conn, file, study=study, baseline=baseline, layout=layout,
        scale=int(scale) if scale else None,
        criteria=[c.strip() for c in criteria.split(",")] if criteria else None,
        overlap=overlap, pairing=pairing,
        instructions=_read_text(instructions) if instructions else None,
        objective=objective, seed=seed, require_rationale=require_rationale)
    verb = "created study" if result.created_study else "study"
    click.echo(f"{verb} '{result.study}' ({', '.join(result.systems)}; {result.layout} layout): "
               f"{result.items_added} items added, {result.items_unchanged} already present", err=True)


def _read_text(path: str) -> str:
    from ..db import is_database_or_companion

    if is_database_or_companion(path):  # its bytes are not ours to read beside a connection (db.is_database)
        raise EvalstoreError(f"{path}: is a SQLite database, not a Markdown file of instructions")
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalstoreError(f"{path}: cannot read instructions ({exc})") from None


@command()
@db_argument
@study_option()
@click.option("--overlap", type=int, help="Raters per item (default: the study's).")
@click.option("--seed", type=int, help="Random seed (default: the study's).")
def assign(db, study, overlap, seed):
    """Give every item (× pair) to OVERLAP raters, counterbalancing left/right; keeps judged work."""
    from ..assignment import assign_items

    r = assign_items(open_to_write(db), study, overlap=overlap, seed=seed)
    click.echo(f"study '{r.study}': {r.units} units × overlap {r.overlap}; {r.created} assignments created, "
               f"{r.moved} moved, {r.removed} removed (seed {r.seed})", err=True)
    for name, load in r.loads.items():
        click.echo(f"{name}\t{load}")


@command()
@db_argument
@study_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(db, study, fmt):
    """Items, raters, and judgments done/expected."""
    from ..status import status_lines, study_status

    summary = study_status(open_to_read(db), study)
    click.echo(json.dumps(summary, indent=2) if fmt == "json" else "\n".join(status_lines(summary)))


@command()
@db_argument
@study_option()
@output_options(("csv", "jsonl", "parquet"), default="csv", help="csv or jsonl may go to stdout; parquet "
                "needs -o FILE.")
@click.option("--raw", is_flag=True, help="CSV: write text cells as stored. By default a cell starting with "
              "=, +, -, @, a tab or a carriage return gets a leading ' so that a spreadsheet opening the file "
              "runs no formula.")
def export(db, study, fmt, output, raw):
    """Write the canonical judgments table (one row per judgment, system names restored)."""
    write_judgments(database_judgments(db, study), fmt, output, raw=raw)


@command("close")
@db_argument
@study_option()
def close_study(db, study):
    """Close a study: judgments can no longer be added or revised."""
    from ..studies import set_status

    click.echo(f"study '{set_status(open_to_write(db), study, 'closed').name}' closed", err=True)


@command("reopen")
@db_argument
@study_option()
def reopen_study(db, study):
    """Reopen a closed study."""
    from ..studies import set_status

    click.echo(f"study '{set_status(open_to_write(db), study, 'open').name}' reopened", err=True)
