"""Backups: the database and the media folder (evidence files) in one tar file, with a
manifest of row counts and the audit chain's head, and their restore.

PostgreSQL is dumped with pg_dump's custom format and restored with pg_restore; the SQLite
file of a development machine is copied with SQLite's own backup API.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

from .models import AuditHead

MANIFEST = "manifest.json"
DUMP = "database.dump"
SQLITE = "database.sqlite3"
MEDIA = "media"


class BackupError(Exception):
    pass


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    if db["USER"]:
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(output: Path) -> dict[str, Any]:
    """Write the backup to `output` (a .tar file); answer its manifest."""
    head = AuditHead.objects.filter(pk=1).first()
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "vendor": connection.vendor,
        "counts": row_counts(),
        "audit_head": {"seq": head.chain_seq, "hash": head.hash} if head else None,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        if connection.vendor == "postgresql":
            args, env = _pg_env()
            dump = work_dir / DUMP
            _run(
                [
                    "pg_dump",
                    *args,
                    "-Fc",
                    "--no-owner",
                    "-f",
                    str(dump),
                    connection.settings_dict["NAME"],
                ],
                env,
            )
            database_member = (dump, DUMP)
        elif connection.vendor == "sqlite":
            copy = work_dir / SQLITE
            source = sqlite3.connect(connection.settings_dict["NAME"])
            target = sqlite3.connect(copy)
            with target:
                source.backup(target)
            source.close()
            target.close()
            database_member = (copy, SQLITE)
        else:
            raise BackupError(f"no backup for the {connection.vendor} database")
        with tarfile.open(output, "w") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_member[0], arcname=database_member[1])
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.exists():
                archive.add(media_root, arcname=MEDIA)
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as archive:
        member = archive.extractfile(MANIFEST)
        if member is None:
            raise BackupError("the backup has no manifest")
        return json.load(member)


def restore(path: Path) -> dict[str, Any]:
    """Replace the database and the media folder with the backup's; answer its manifest."""
    manifest = read_manifest(path)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest['vendor']} database, this site uses {connection.vendor}"
        )
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        with tarfile.open(path) as archive:
            archive.extractall(work_dir, filter="data")
        connection.close()
        if connection.vendor == "postgresql":
            args, env = _pg_env()
            _run(
                [
                    "pg_restore",
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    connection.settings_dict["NAME"],
                    str(work_dir / DUMP),
                ],
                env,
            )
        else:
            source = sqlite3.connect(work_dir / SQLITE)
            target = sqlite3.connect(connection.settings_dict["NAME"])
            with target:
                source.backup(target)
            source.close()
            target.close()
        media_root = Path(settings.MEDIA_ROOT)
        if (work_dir / MEDIA).exists():
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(work_dir / MEDIA, media_root)
    return manifest
