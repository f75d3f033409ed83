"""Studies and their systems: look-ups shared by import, assignment, rating and export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations

import sqlite_utils

from .errors import EvalstoreError, UnknownStudy

SCALES = (3, 5)
PAIRINGS = ("vs-baseline", "all-pairs")


@dataclass(frozen=True)
class System:
    id: int
    name: str
    is_baseline: bool


@dataclass(frozen=True)
class Study:
    id: int
    name: str
    objective: str
    instructions: str
    scale: int
    criteria: tuple[str, ...]
    overlap: int
    pairing: str
    seed: int
    require_rationale: bool
    status: str
    created_at: str
    systems: tuple[System, ...] = field(default=())

    @property
    def baseline(self) -> str | None:
        for s in self.systems:
            if s.is_baseline:
                return s.name
        return None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def pairs(self) -> list[tuple[System, System]]:
        """The (system_a, system_b) pairs the pairing mode asks for.

        vs-baseline: (baseline, other) for every other system. all-pairs: every
        unordered pair, the baseline first when it is in the pair, otherwise by
        system id (import order). Preference is always oriented to this order.
        """
        ordered = sorted(self.systems, key=lambda s: (not s.is_baseline, s.id))
        if self.pairing == "vs-baseline":
            base = ordered[0]
            return [(base, s) for s in ordered[1:]]
        return list(combinations(ordered, 2))


def _study_from_row(db, row) -> Study:
    systems = tuple(
        System(r[0], r[1], bool(r[2]))
        for r in db.conn.execute(
            "SELECT id, name, is_baseline FROM system WHERE study_id = ? ORDER BY id", [row["id"]]
        )
    )
    return Study(
        id=row["id"],
        name=row["name"],
        objective=row["objective"],
        instructions=row["instructions"],
        scale=row["scale"],
        criteria=tuple(json.loads(row["criteria"])),
        overlap=row["overlap"],
        pairing=row["pairing"],
        seed=row["seed"],
        require_rationale=bool(row["require_rationale"]),
        status=row["status"],
        created_at=row["created_at"],
        systems=systems,
    )


def list_studies(db: sqlite_utils.Database) -> list[Study]:
    return [_study_from_row(db, r) for r in db["study"].rows_where(order_by="id")]


def get_study(db: sqlite_utils.Database, name: str | None = None) -> Study:
    """The study called ``name``; with ``name=None`` the database's only study."""
    if name is None:
        studies = list_studies(db)
        if len(studies) == 1:
            return studies[0]
        if not studies:
            raise UnknownStudy("the database holds no study yet (create one with `evalstore import`)")
        names = ", ".join(s.name for s in studies)
        raise UnknownStudy(f"the database holds several studies ({names}); choose one with --study")
    rows = list(db["study"].rows_where("name = ?", [name]))
    if not rows:
        known = ", ".join(s.name for s in list_studies(db)) or "none"
        raise UnknownStudy(f"unknown study '{name}' (studies in this database: {known})")
    return _study_from_row(db, rows[0])


def get_study_by_id(db: sqlite_utils.Database, study_id: int) -> Study:
    rows = list(db["study"].rows_where("id = ?", [study_id]))
    if not rows:
        raise UnknownStudy(f"unknown study id {study_id}")
    return _study_from_row(db, rows[0])


def validate_study_options(scale: int, criteria, overlap: int, pairing: str) -> tuple[str, ...]:
    if scale not in SCALES:
        raise EvalstoreError(f"scale must be 3 or 5, not {scale}")
    if pairing not in PAIRINGS:
        raise EvalstoreError(f"pairing must be vs-baseline or all-pairs, not {pairing}")
    if overlap < 1:
        raise EvalstoreError(f"overlap must be at least 1, not {overlap}")
    crit = tuple(c.strip() for c in criteria if c and c.strip())
    if not crit:
        raise EvalstoreError("a study needs at least one criterion")
    if len(set(crit)) != len(crit):
        raise EvalstoreError(f"criteria must be distinct: {', '.join(crit)}")
    return crit


def set_status(db: sqlite_utils.Database, study: Study | str | None, status: str) -> Study:
    """Open or close ``study`` (a Study, a name, or None for the database's only study); returns the study."""
    if status not in ("open", "closed"):
        raise EvalstoreError(f"status must be open or closed, not {status}")
    if not isinstance(study, Study):
        study = get_study(db, study)
    db.conn.execute("UPDATE study SET status = ? WHERE id = ?", [status, study.id])
    return study
