"""What the benches share that needs no Django (the planning bench imports it before
django.setup()): the percentiles of a case's times, the table on the console."""

from __future__ import annotations

import statistics


class Percentiles:
    """p50 and p95 of `times_ms`, for a bench's dataclass of one timed case."""

    times_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_grid(headers: list[str], rows: list[list[str]], notes: list[str]) -> None:
    """After a blank line, the rows in columns under the headers, then one line a note."""
    table = [headers, *rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(headers))]
    print()
    for number, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    for note in notes:
        print(f"Note : {note}")
