#!/usr/bin/env bash
# End-to-end timing of `rubric eval` against the deserialise-only floor
# (examples/read_typed.rs), interleaved round by round so that load on a
# shared machine hits every configuration alike. Prints each run, then the
# median wall time of each configuration and its ratio to the floor's.
#
#   benches/e2e.sh [PARTNERS] [ROUNDS]     (default 200000 partners, 5 rounds)
#
# Data is generated into /tmp (seed 42) unless already there.
set -euo pipefail
cd "$(dirname "$0")/.."
partners=${1:-200000}
rounds=${2:-5}
data=/tmp/rubric-e2e-$partners.jsonl
cargo build --release -q --bin rubric --example read_typed --example gen_partners
[ -s "$data" ] || target/release/examples/gen_partners --count "$partners" > "$data"
rubric=target/release/rubric
policy=policies/cloud_crm.policy
declare -A runs=(
  [floor]="target/release/examples/read_typed $data"
  # Two floors at once: what this machine's two cores give work that shares
  # nothing, the ceiling for the two-thread ratio.
  [floor_x2]="bash -c 'target/release/examples/read_typed $data & target/release/examples/read_typed $data; wait'"
  [tier_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail tier --threads 1"
  [requirements_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --threads 1"
  [evidence_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail evidence --threads 1"
  [tier_2]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail tier --threads 2"
  [requirements_2]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --threads 2"
)
order=(floor floor_x2 tier_1 requirements_1 evidence_1 tier_2 requirements_2)
results=$(mktemp)
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    # wall seconds, peak RSS in KB, CPU seconds (user + system)
    eval "/usr/bin/time -f '$name %e %M %U %S' ${runs[$name]}" > /dev/null 2>> "$results.err" || true
    tail -n 1 "$results.err" >> "$results"
  done
done
cat "$results"
python3 - "$results" "$rounds" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
configs = []
for name, *_ in rows:
    if name not in configs:
        configs.append(name)
# Runs come round by round, each configuration once a round: compare each
# run with the floor of its own round, so that a slow spell of the machine
# slows the floor as much as the run compared with it.
rounds = [rows[i:i + len(configs)] for i in range(0, len(rows), len(configs))]
def wall(r, name):
    return next(float(row[1]) for row in r if row[0] == name)
def cpu(r, name):
    return next(float(row[3]) + float(row[4]) for row in r if row[0] == name)
# The fastest of the rounds is the estimate least disturbed by other load.
fastest = {name: min(wall(r, name) for r in rounds) for name in configs}
print(f"{'configuration':<16} {'fastest s':>9} {'x floor':>8} {'median s':>9} {'x floor, paired':>16} {'peak RSS MB':>12}")
for name in configs:
    walls = [wall(r, name) for r in rounds]
    ratios = [wall(r, name) / wall(r, "floor") for r in rounds]
    rss = max(int(row[2]) for row in rows if row[0] == name) / 1024
    print(f"{name:<16} {fastest[name]:>9.2f} {fastest[name] / fastest['floor']:>8.2f} "
          f"{statistics.median(walls):>9.2f} {statistics.median(ratios):>16.2f} {rss:>12.1f}")
print()
print("CPU time (user + system), which other load disturbs less than wall time:")
for name in configs:
    fastest_cpu = min(cpu(r, name) for r in rounds)
    floor_cpu = min(cpu(r, "floor") for r in rounds)
    print(f"  {name:<16} fastest {fastest_cpu:6.2f} s  x floor {fastest_cpu / floor_cpu:5.2f}")
print()
ceiling = [2 * wall(r, "floor") / wall(r, "floor_x2") for r in rounds]
print(f"machine: two floors at once give {2 * fastest['floor'] / fastest['floor_x2']:.2f}x the throughput of one "
      f"(fastest runs; median of paired rounds {statistics.median(ceiling):.2f}x)")
for level in ("tier", "requirements"):
    gains = [wall(r, f"{level}_1") / wall(r, f"{level}_2") for r in rounds]
    print(f"{level}: 2 threads give {fastest[f'{level}_1'] / fastest[f'{level}_2']:.2f}x the throughput of 1 "
          f"(fastest runs; median of paired rounds {statistics.median(gains):.2f}x)")
PY
rm -f "$results" "$results.err"
