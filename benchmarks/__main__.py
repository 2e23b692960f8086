"""Run every ``benchmarks/bench_*.py`` and write the figures beside their baselines to RESULTS.md.

Usage: ``python -m benchmarks [--size tiny|full] [--output PATH] [--only NAME ...]``
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """The names of the benchmark modules, e.g. ``bench_import``."""
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def machine() -> str:
    """Cores and memory of this machine, for the report."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.platform()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} kärnor, {memory:.0f} GiB minne, {system}"


def _seconds(value: float) -> str:
    return f"{value:.4f} s" if value < 1 else f"{value:.2f} s"


def _amount(value: float, unit: str) -> str:
    """A figure in its unit: seconds as :func:`_seconds`, anything else (e.g. MB) with one decimal."""
    return _seconds(value) if unit == "s" else f"{value:.1f} {unit}"


def _detail(value: Any) -> str:
    """A detail for the report: floats to four significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def render(size: str, rows: list[tuple[str, dict[str, Any]]]) -> str:
    """RESULTS.md: one table row per figure, with its baseline, ratio and target."""
    lines = [
        "# Prestandamätningar",
        "",
        f"Datum: {date.today().isoformat()}. Storlek: {size}. Maskin: {machine()}.",
        "",
        "Varje tid är medianen av upprepade mätningar; kvoten är mot en baslinje som mättes i samma körning.",
        "",
        "| mätning | tid | baslinje | baslinjens tid | kvot | mål | uppfyllt |",
        "|---|---|---|---|---|---|---|",
    ]
    for module, figure in rows:
        target = figure.get("target")
        met = "–" if target is None else ("ja" if figure["ratio"] <= target else "nej")
        unit = figure.get("unit", "s")
        lines.append(
            f"| {figure['name']} ({module}) | {_amount(figure['figure'], unit)} | {figure['baseline']} | "
            f"{_amount(figure['baseline_figure'], unit)} | {figure['ratio']:.2f} | "
            f"{'–' if target is None else f'≤ {target}'} | {met} |"
        )
    details = [(module, f) for module, f in rows if f.get("details")]
    if details:
        lines += ["", "## Detaljer", ""]
        for module, figure in details:
            numbers = ", ".join(f"{key}: {_detail(value)}" for key, value in figure["details"].items())
            lines.append(f"- {figure['name']} ({module}): {numbers}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the report; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--size", choices=["tiny", "full"], default="full")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--only", nargs="*", default=None, choices=discover(),
                        help="modulnamn, t.ex. bench_import")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    rows: list[tuple[str, dict[str, Any]]] = []
    for name in args.only or discover():
        print(f"kör {name} ({args.size}) ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        for figure in module.run(args.size):
            rows.append((name, figure))
            unit = figure.get("unit", "s")
            print(f"  {figure['name']}: {_amount(figure['figure'], unit)} mot "
                  f"{_amount(figure['baseline_figure'], unit)} = {figure['ratio']:.2f}", flush=True)
    args.output.write_text(render(args.size, rows), encoding="utf-8")
    print(f"skrev {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
