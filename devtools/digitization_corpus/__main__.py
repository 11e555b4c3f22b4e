"""CLI: ``python -m devtools.digitization_corpus OUT_DIR --count N --seed S``."""

from __future__ import annotations

import argparse

from . import VARIANTS, write_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a digitization test corpus.")
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, default=10, help="number of bills")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--expenses", type=int, default=None, help="default: count // 3")
    parser.add_argument("--resumes", type=int, default=None, help="default: count // 4")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma list of {', '.join(VARIANTS)}"
    )
    args = parser.parse_args(argv)
    entries = write_corpus(
        args.out_dir,
        args.count,
        args.seed,
        expenses=args.expenses,
        resumes=args.resumes,
        variants=tuple(v.strip() for v in args.variants.split(",") if v.strip()),
    )
    print(f"wrote {len(entries)} files and truth.json to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
