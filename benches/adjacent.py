#!/usr/bin/env python3
"""One-thread ratios to the floor, each run next to a floor run of its own.

On a shared machine whose speed swings from second to second, a ratio is
steadiest when its two runs are adjacent in time. Each round runs, for every
configuration, the floor (`examples/read_typed`) and the configuration back
to back, in ABBA order (floor first in even rounds, last in odd ones), and
reports the median over rounds of their wall and CPU ratios.

    python3 benches/adjacent.py DATA ROUNDS NAME=COMMAND ...

COMMAND may use DATA for the data file, e.g.

    python3 benches/adjacent.py /tmp/rubric-e2e-200000.jsonl 9 \\
      "tier1=target/release/rubric eval policies/cloud_crm.policy DATA --as-of 2017-06-30 --format jsonl --detail tier --threads 1"

Build first: cargo build --release --bin rubric --example read_typed
"""
import resource
import statistics
import subprocess
import sys
import time


def run(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    data, rounds = sys.argv[1], int(sys.argv[2])
    configs = dict(arg.split("=", 1) for arg in sys.argv[3:])
    floor = f"target/release/examples/read_typed {data}"
    wall = {name: [] for name in configs}
    cpu = {name: [] for name in configs}
    for round_ in range(rounds):
        for name, command in configs.items():
            command = command.replace("DATA", data)
            if round_ % 2 == 0:
                f, x = run(floor), run(command)
            else:
                x, f = run(command), run(floor)
            wall[name].append(x[0] / f[0])
            cpu[name].append(x[1] / f[1])
    for name in configs:
        q1, _, q3 = statistics.quantiles(wall[name], n=4)
        print(f"{name:<16} wall x floor: median {statistics.median(wall[name]):.3f} "
              f"(quartiles {q1:.3f}-{q3:.3f}); CPU x floor: median {statistics.median(cpu[name]):.3f}")


if __name__ == "__main__":
    main()
