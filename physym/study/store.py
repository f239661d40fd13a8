"""The study's record store: one JSON file per run, written atomically, checked on read.

Layout of a study directory::

    DIR/study.json             the preset, the analysis settings and every run key
    DIR/records/<key>.json     one record per finished run (ok or failed)
    DIR/records/corrupt/       records that failed their check, moved aside to be re-run
    DIR/records/stale/         records of runs whose problem code, parameters or data file
                               changed since (their key changed), moved aside to be re-run

A record is ``RunResult.to_dict()`` plus ``provenance`` (wall time, host, executor, when)
and a ``checksum`` (SHA-256 of the canonical JSON of everything else). A record whose JSON
does not parse, whose key does not match its file name or its spec, or whose checksum does
not match is *corrupt*: it is never counted, it is moved to ``corrupt/`` and its run is done
again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from pathlib import Path
from typing import Any, Iterable

from physym.io import atomic_path, json_safe
from physym.runner import RunSpec

__all__ = ["RecordStore", "SCHEMA", "checksum", "deterministic_part"]

logger = logging.getLogger(__name__)

#: Version of the record layout.
SCHEMA = 1
#: Fields of a record that depend on the machine and the moment, not on the spec.
VOLATILE = ("train_time", "device", "provenance", "checksum")
_REQUIRED = ("schema", "key", "spec", "status", "error", "metrics", "n_params", "checksum")


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True,
                      default=str).encode()


def checksum(record: dict[str, Any]) -> str:
    """SHA-256 of the record without its ``checksum`` field."""
    body = {k: v for k, v in record.items() if k != "checksum"}
    return hashlib.sha256(_canonical(body)).hexdigest()


def deterministic_part(record: dict[str, Any]) -> dict[str, Any]:
    """The record without timing, device and provenance: equal whichever executor ran it."""
    out = {k: v for k, v in record.items() if k not in VOLATILE}
    out["metrics"] = {k: v for k, v in record.get("metrics", {}).items() if k != "train_time"}
    return out


class RecordStore:
    """Records of one study directory.

    Parameters
    ----------
    root : Path
        The study directory; ``root/records`` holds the records.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.records_dir = self.root / "records"
        self.corrupt_dir = self.records_dir / "corrupt"

    def path(self, key: str) -> Path:
        return self.records_dir / f"{key}.json"

    def write(self, record: dict[str, Any], *, provenance: dict[str, Any] | None = None) -> Path:
        """Add ``schema``, ``provenance`` and ``checksum`` and write the record atomically.

        The file is strict JSON: a NaN or infinite number (a metric of a failed run) is
        written as ``null``.
        """
        record = json_safe(dict(record))
        record["schema"] = SCHEMA
        record["provenance"] = {"written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                **(provenance or {})}
        record.pop("checksum", None)
        record["checksum"] = checksum(record)
        path = self.path(record["key"])
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(record, indent=1, allow_nan=False, default=str) + "\n")
        return path

    def check(self, path: Path) -> tuple[dict[str, Any] | None, str | None]:
        """``(record, None)`` for a sound record, ``(None, reason)`` for a corrupt one."""
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return None, f"unreadable JSON ({type(exc).__name__}: {exc})"
        if not isinstance(record, dict):
            return None, "not a JSON object"
        missing = [k for k in _REQUIRED if k not in record]
        if missing:
            return None, f"missing field {missing[0]!r}"
        if record["schema"] != SCHEMA:
            return None, f"schema {record['schema']!r}, expected {SCHEMA}"
        if record["key"] != path.stem:
            return None, f"key {record['key']!r} does not match the file name"
        try:
            spec_key = RunSpec.from_dict(record["spec"]).key()
        except (TypeError, ValueError, KeyError) as exc:
            return None, f"malformed spec ({exc})"
        if spec_key != record["key"]:
            return None, "the spec does not hash to the record's key"
        if record["checksum"] != checksum(record):
            return None, "checksum mismatch (the file was changed after it was written)"
        if record["status"] not in ("ok", "failed"):
            return None, f"status {record['status']!r}"
        if record["status"] == "ok" and not (isinstance(record["error"], (int, float))
                                             and math.isfinite(record["error"])):
            return None, f"status ok with a non-finite error {record['error']!r}"
        return record, None

    def quarantine(self, path: Path, reason: str) -> Path:
        """Move a corrupt record to ``corrupt/`` (never deleted, never counted)."""
        self.corrupt_dir.mkdir(parents=True, exist_ok=True)
        target = self.corrupt_dir / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.replace(target)
        logger.warning("record %s is corrupt (%s); moved to %s, the run will be done again",
                       path.name, reason, target)
        return target

    def set_aside(self, key: str, folder: str) -> Path | None:
        """Move the record of ``key`` (if any) to ``records/<folder>/``; never deleted."""
        path = self.path(key)
        if not path.is_file():
            return None
        target_dir = self.records_dir / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{key}.{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.replace(target)
        logger.info("record %s moved to %s", path.name, target)
        return target

    def load(self, *, quarantine: bool = True) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """Every sound record by key, and a line per corrupt record found.

        With ``quarantine`` the corrupt files are moved aside so their runs are redone.
        """
        records: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        if not self.records_dir.is_dir():
            return records, problems
        for path in sorted(self.records_dir.glob("*.json")):
            record, reason = self.check(path)
            if record is None:
                problems.append(f"{path.name}: {reason}")
                if quarantine:
                    self.quarantine(path, reason or "corrupt")
                continue
            records[record["key"]] = record
        return records, problems

    def pending(self, specs: Iterable[RunSpec]) -> tuple[list[RunSpec], dict[str, dict[str, Any]],
                                                         list[str]]:
        """Split ``specs`` into the runs still to do (missing, failed, corrupt) and the done.

        Returns
        -------
        todo : list of RunSpec
            Runs without a sound ``ok`` record, in the given order.
        done : dict
            Sound ``ok`` records by key.
        problems : list of str
            The corrupt records found (already quarantined).
        """
        records, problems = self.load(quarantine=True)
        todo, done = [], {}
        for spec in specs:
            record = records.get(spec.key())
            if record is not None and record["status"] == "ok":
                done[spec.key()] = record
            else:
                todo.append(spec)
        return todo, done, problems
