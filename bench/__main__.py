"""`python -m bench [--profile full|quick|smoke] [--backend B]... [--scenario S]...` (see bench/README.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import runner
from bench.config import PROFILES
from bench.scenarios import ALL
from bench.world import BACKENDS

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--backend", action="append", choices=BACKENDS, help="default: both")
    parser.add_argument("--scenario", action="append", choices=[s.key for s in ALL], help="default: all")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--chart", type=Path, default=HERE / "results.png")
    parser.add_argument("--readme", type=Path, default=HERE / "README.md")
    parser.add_argument("--no-report", action="store_true", help="write results.json only")
    parser.add_argument("--db-prefix", default="massledger_bench", help="PostgreSQL databases' name prefix")
    parser.add_argument("--keep", action="store_true", help="keep the run's databases (bench/out)")
    args = parser.parse_args()
    runner.main(
        PROFILES[args.profile],
        args.backend or list(BACKENDS),
        set(args.scenario or [s.key for s in ALL]),
        args.results,
        None if args.no_report else args.readme,
        None if args.no_report else args.chart,
        keep=args.keep,
        db_prefix=args.db_prefix,
    )


if __name__ == "__main__":
    main()
