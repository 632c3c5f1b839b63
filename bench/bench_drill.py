"""The outbreak drill's wall time, in a scratch database: `gongzhi drill` end to end (the population
built, the outbreak played, the report written), against its goal of 15 minutes at scale 0.1.

    .venv/bin/python bench/bench_drill.py                          # scale 0.01, SQLite (make bench)
    .venv/bin/python bench/bench_drill.py --scale 0.1 [--postgres] [--docs]
    .venv/bin/python bench/bench_drill.py --scale 1 --postgres     # all of Chengdu, 21 M residents

--docs copies the report (Markdown and the ECharts page) into docs/drill/. Never touches the
project's own database. The drill's own report says which step took the system's time.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = argparse.ArgumentParser()
ARGS.add_argument("--scale", type=float, default=0.01)
ARGS.add_argument("--seed", type=int, default=1)
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--database", default="gongzhi_bench_drill")
ARGS.add_argument("--docs", action="store_true", help="copy the report into docs/drill/")
ARGS = ARGS.parse_args()

env = dict(os.environ, GONGZHI_LOG_LEVEL="ERROR")
out = Path(tempfile.mkdtemp(prefix="gongzhi-drill-report-"))
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {ARGS.database}", f"CREATE DATABASE {ARGS.database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{ARGS.database}"
else:
    env.pop("DATABASE_URL", None)
    env["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-drill-")
gongzhi = str(ROOT / ".venv" / "bin" / "gongzhi")
subprocess.run([gongzhi, "migrate", "-v0"], env=env, check=True)
started = time.perf_counter()
done = subprocess.run(
    [gongzhi, "drill", "--scale", str(ARGS.scale), "--seed", str(ARGS.seed), "--out", str(out)], env=env
)
seconds = time.perf_counter() - started
vendor = "postgresql" if ARGS.postgres else "sqlite"
print(
    f"drill --scale {ARGS.scale} --seed {ARGS.seed} on {vendor}: {seconds / 60:.1f} min wall "
    f"(goal at scale 0.1: under 15 min); exit {done.returncode}"
)
if ARGS.docs and done.returncode == 0:
    target = ROOT / "docs" / "drill"
    target.mkdir(exist_ok=True)
    for path in out.iterdir():
        shutil.copy(path, target / path.name)
    # the page's ECharts is the vendored file, seen from docs/drill/
    for page in target.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        start = text.index('<script src="') + len('<script src="')
        end = text.index('"', start)
        text = text[:start] + "../../src/gongzhi/core/static/vendor/echarts/echarts.min.js" + text[end:]
        page.write_text(text, encoding="utf-8")
    print(f"report copied into {target}")
if ARGS.postgres:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {ARGS.database}"])
sys.exit(done.returncode)
