"""Backup and restore bench (issue 15): time and size of `manage.py backup` and `restore`.

    .venv/bin/python -m bench.backup_bench [--files 3000] [--skip-demo]

Two instances, each backed up and restored through real `manage.py` processes (the
times include Python's start, measured apart as "démarrage"):

- the demo, on SQLite (portable dump), in a temporary folder;
- a large base on PostgreSQL: BENCH_BACKUP_DATABASE_URL (default
  postgresql://postgres@127.0.0.1:5432/creneau_backup_bench; created, migrated and filled
  once with 100,000 customers and 150,000 sites by bench/generate.py, then reused), with
  --files files of 20 to 200 KB in its storage folder (var/bench-backup/private), backed
  up with pg_dump and with the portable dump, each restored into a database made for it
  (…_restore, dropped after).

Figures are printed (never asserted) and saved in bench/results/backup-<date>.json/.md.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.database import database_create_if_missing

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/creneau_backup_bench"
BASE_DIR = Path(__file__).resolve().parent.parent
FILES_DIR = BASE_DIR / "var" / "bench-backup"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backup_bench", description=__doc__)
    parser.add_argument("--files", type=int, default=3000, help="fichiers stockés (3000)")
    parser.add_argument("--skip-demo", action="store_true", help="sans la démo SQLite")
    parser.add_argument(
        "--formats", default="pg_dump,portable", help="formats de la grande base (les deux)"
    )
    return parser.parse_args(argv)


def manage(environment: dict, *arguments: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def environment_for(url: str, files: Path) -> dict:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
        "DATABASE_URL": url,
        "PRIVATE_FILES_ROOT": str(files),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def files_fill(folder: Path, count: int) -> int:
    """count files of 20 to 200 KB (incompressible, like PDFs and photos), made once."""
    rng = random.Random(15)
    total = 0
    for index in range(count):
        path = folder / "documents" / f"{index % 100:02d}" / f"document-{index:05d}.pdf"
        size = rng.randint(20_000, 200_000)
        if not path.exists() or path.stat().st_size != size:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(size))
        total += size
    return total


def round_trip(label: str, source: dict, target: dict, archive: Path, *extra: str) -> list[str]:
    backup_seconds = manage(source, "backup", "--output", str(archive), *extra)
    restore_seconds = manage(target, "restore", str(archive))
    megabytes = archive.stat().st_size / 1_000_000
    return [
        f"| {label} | {' '.join(extra) or 'auto'} | {megabytes:,.1f} Mo | "
        f"{backup_seconds:.1f} s | {restore_seconds:.1f} s |"
    ]


def pg_database(url: str, *, drop: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            admin.execute(f'CREATE DATABASE "{name}"')


def demo_lines(folder: Path) -> list[str]:
    source = environment_for(f"sqlite:///{folder / 'demo.sqlite3'}", folder / "demo-files")
    manage(source, "migrate", "--no-input", "-v", "0")
    manage(source, "demo")
    target = environment_for(f"sqlite:///{folder / 'restored.sqlite3'}", folder / "restored-files")
    return round_trip("démo, SQLite", source, target, folder / "demo.tar.gz")


def large_base_ready(url: str) -> None:
    """Migrate the bench base and fill it with 100,000 customers once (about 3 minutes)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import generate

    call_command("migrate", verbosity=0, interactive=False)
    if not generate.data_ready():
        print("Génération de 100 000 clients…", flush=True)
        generate.generate(log=lambda line, **kw: print(line, flush=True, **kw))


def large_lines(url: str, files: int, folder: Path, formats: list[str]) -> list[str]:
    total = files_fill(FILES_DIR / "private", files)
    print(f"{files} fichiers, {total / 1_000_000:,.0f} Mo", flush=True)
    source = environment_for(url, FILES_DIR / "private")
    restore_url = f"{url}_restore"
    lines = []
    for database_format in formats:
        pg_database(restore_url)
        target = environment_for(restore_url, folder / f"restored-{database_format}")
        archive = folder / f"large-{database_format}.tar"
        label = f"100 000 clients, {files} fichiers ({total / 1_000_000:,.0f} Mo)"
        lines += round_trip(label, source, target, archive, "--database-format", database_format)
        archive.unlink()
        print(lines[-1], flush=True)
    pg_database(restore_url, drop=True)
    return lines


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_BACKUP_DATABASE_URL", DEFAULT_URL)
    created = database_create_if_missing(url)
    print(f"Base : {url}{' (créée)' if created else ''}", flush=True)
    large_base_ready(url)
    startup = manage(environment_for(url, FILES_DIR / "private"), "shell", "-v", "0", "-c", "0")
    lines = [
        "| base | format | archive | sauvegarde | restauration |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="backup-bench-") as folder:
        if not args.skip_demo:
            lines += demo_lines(Path(folder))
            print(lines[-1], flush=True)
        lines += large_lines(url, args.files, Path(folder), args.formats.split(","))
    lines.append(f"Démarrage d'un manage.py (compris dans chaque temps) : {startup:.1f} s")
    from bench import report

    machine = report.machine()
    print("\n".join([*lines, machine]))
    report.save_lines("backup", lines, machine)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
