"""The figures: a table on the console, and the same in bench/results/ (ignored by git)."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime
from pathlib import Path

from django.db import connection

from bench.figures import print_grid
from bench.timing import Result

RESULTS_DIR = Path(__file__).resolve().parent / "results"
HEADERS = ["cas", "chemin", "utilisateur", "n", "résultats", "p50 ms", "p95 ms", "cible"]


def rows(results: list[Result]) -> list[list[str]]:
    lines = []
    for result in results:
        target = "—"
        if result.target_ms is not None:
            verdict = "ok" if result.passed else "TROP LENT"
            target = f"p95 ≤ {result.target_ms:.0f} : {verdict}"
        lines.append(
            [
                result.case,
                result.path,
                result.user,
                str(len(result.times_ms)),
                "" if result.median_matches is None else str(result.median_matches),
                f"{result.p50:.1f}",
                f"{result.p95:.1f}",
                target,
            ]
        )
    return lines


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.node()}, {os.cpu_count()} cœurs (charge {load}), "
        f"Python {platform.python_version()}, PostgreSQL {server}"
    )


def print_table(results: list[Result], notes: list[str]) -> None:
    print_grid(HEADERS, rows(results), notes)
    failed = [result for result in results if result.passed is False]
    print(f"\n{machine()}")
    print(f"{len(results)} cas, {len(failed)} au-dessus de la cible.")


def save(results: list[Result], notes: list[str], *, customers: int, sites: int) -> list[Path]:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    data = {
        "date": stamp,
        "machine": machine(),
        "customers": customers,
        "sites": sites,
        "notes": notes,
        "results": [
            {
                "case": result.case,
                "path": result.path,
                "user": result.user,
                "n": len(result.times_ms),
                "median_matches": result.median_matches,
                "p50_ms": round(result.p50, 2),
                "p95_ms": round(result.p95, 2),
                "target_ms": result.target_ms,
            }
            for result in results
        ],
    }
    json_path = RESULTS_DIR / f"{stamp}.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    markdown += ["| " + " | ".join(line) + " |" for line in rows(results)]
    markdown += ["", f"{customers} clients, {sites} sites. {data['machine']}.", *notes]
    markdown_path = RESULTS_DIR / f"{stamp}.md"
    markdown_path.write_text("\n".join(markdown) + "\n", encoding="utf-8")
    return [json_path, markdown_path]


def save_lines(name: str, lines: list[str], machine: str) -> list[Path]:
    """A bench's figures, as printed, in results/<name>-<stamp>.json and .md."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    json_path = RESULTS_DIR / f"{name}-{stamp}.json"
    json_path.write_text(
        json.dumps({"date": stamp, "machine": machine, "lines": lines}, ensure_ascii=False),
        encoding="utf-8",
    )
    markdown_path = RESULTS_DIR / f"{name}-{stamp}.md"
    markdown_path.write_text("\n".join([*lines, "", machine]) + "\n", encoding="utf-8")
    return [json_path, markdown_path]
