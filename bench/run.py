"""`make bench`: run every benchmark under bench/ and print its figures.

Each bench_*.py is a script that prints its own results, including the ratio against the raw limit
measured in the same run. Figures worth keeping go into docs/benchmarks.md with the command.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
