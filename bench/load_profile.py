"""Where a machine's time goes while another benchmark runs (bench_ingest.py, say): three readings.

    python3 bench/load_profile.py cpu > cpu.log &          # every second, % of a core by kind of process
    python3 bench/load_profile.py statements LOG [FROM]    # PostgreSQL's statement durations, summed
    python3 bench/load_profile.py stacks SPY.txt [N]       # a py-spy raw profile, inclusive and self shares

`cpu` reads /proc: PostgreSQL's processes, the app servers (gongzhi serve and its gunicorn workers), the
benchmark and its client processes, and the rest. Stop it with kill.

`statements` reads a PostgreSQL log written with `log_min_duration_statement = 0` (for one database:
`ALTER DATABASE gongzhi_bench_ingest SET log_min_duration_statement = 0` once bench_ingest.py has
printed its raw insert line, so only the servers' connections log), from line FROM on, and sums the
durations by statement with its literals and numbers blanked. Durations are wall time in the
backend: under load they include waiting for a core.

`stacks` reads `py-spy record --gil -p <worker pid> -d 7 -r 250 -f raw -o SPY.txt` and prints each
function's share of the samples: inclusive (anywhere on the stack), then self (on top).
"""

import collections
import os
import re
import sys
import time


def _kind(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if cmd.startswith("postgres") or "/postgresql/" in cmd:
        return "postgresql"
    if "gongzhi.cli" in cmd or "gunicorn" in cmd:
        return "app servers"
    if "bench/" in cmd or "multiprocessing" in cmd:
        return "benchmark"
    return "other"


def _cpu_ticks() -> dict[str, int]:
    ticks = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def cpu() -> None:
    hz = os.sysconf("SC_CLK_TCK")
    kinds: dict[str, str] = {}
    before = _cpu_ticks()
    while True:
        time.sleep(1)
        now = _cpu_ticks()
        shares: collections.Counter = collections.Counter()
        for pid, ticks in now.items():
            spent = ticks - before.get(pid, 0)  # a process born in this second: all its time
            if spent > 0:
                kinds.setdefault(pid, _kind(pid))
                shares[kinds[pid]] += spent * 100 / hz
        before = now
        print(time.strftime("%H:%M:%S"), " ".join(f"{k}={v:.0f}" for k, v in sorted(shares.items())), flush=True)


def statements(log: str, start: int = 1) -> None:
    with open(log, errors="replace") as f:
        text = "".join(f.readlines()[start - 1 :])
    totals: dict[str, list] = collections.defaultdict(lambda: [0, 0.0])
    for entry in re.split(r"\n(?=\d{4}-\d\d-\d\d )", text):
        found = re.search(r"duration: ([\d.]+) ms\s+(?:statement|execute [^:]*): (.*)", entry, re.S)
        if found:
            sql = re.sub(r"\s+", " ", re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "?", found.group(2))))
            totals[sql[:150]][0] += 1
            totals[sql[:150]][1] += float(found.group(1))
    whole = sum(ms for _, ms in totals.values()) or 1
    print(f"{whole:,.0f} ms in all")
    for sql, (n, ms) in sorted(totals.items(), key=lambda item: -item[1][1])[:25]:
        print(f"{100 * ms / whole:5.1f} % {ms:9.0f} ms {n:6d} x {ms / n:6.2f} ms  {sql}")


def stacks(raw: str, top: int = 60) -> None:
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in open(raw):
        if line.strip():
            stack, n = line.rstrip().rsplit(" ", 1)
            frames = [re.sub(r" \((.*/(site-packages|src)/)?", " (", f) for f in stack.split(";")]
            names = [f.split(":")[0] for f in frames]
            total += int(n)
            for name in set(names):
                inclusive[name] += int(n)
            own[names[-1]] += int(n)
    for title, counts in (("inclusive", inclusive), ("self", own)):
        print(f"--- {title}, of {total} samples")
        for name, n in counts.most_common(top):
            print(f"{100 * n / total:5.1f} % {name})")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["cpu"]
    if command == "cpu":
        cpu()
    elif command == "statements":
        statements(args[0], int(args[1]) if len(args) > 1 else 1)
    elif command == "stacks":
        stacks(args[0], int(args[1]) if len(args) > 1 else 60)
    else:
        raise SystemExit(__doc__)
