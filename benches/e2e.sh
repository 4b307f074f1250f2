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
  [tier_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail tier --threads 1"
  [requirements_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --threads 1"
  [evidence_1]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail evidence --threads 1"
  [tier_2]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --detail tier --threads 2"
  [requirements_2]="$rubric eval $policy $data --as-of 2017-06-30 --format jsonl --threads 2"
)
order=(floor tier_1 requirements_1 evidence_1 tier_2 requirements_2)
results=$(mktemp)
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    # wall seconds and peak RSS in KB
    /usr/bin/time -f "$name %e %M" ${runs[$name]} > /dev/null 2>> "$results.err" || true
    tail -n 1 "$results.err" >> "$results"
  done
done
cat "$results"
python3 - "$results" "$rounds" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
configs = []
for name, _, _ in rows:
    if name not in configs:
        configs.append(name)
# Runs come round by round, each configuration once a round: compare each
# run with the floor of its own round, so that a slow spell of the machine
# slows the floor as much as the run compared with it.
rounds = [rows[i:i + len(configs)] for i in range(0, len(rows), len(configs))]
def wall(r, name):
    return next(float(w) for n, w, _ in r if n == name)
print(f"{'configuration':<16} {'median s':>9} {'x floor (median of rounds)':>27} {'peak RSS MB':>12}")
for name in configs:
    walls = [wall(r, name) for r in rounds]
    ratios = [wall(r, name) / wall(r, "floor") for r in rounds]
    rss = max(int(m) for n, _, m in rows if n == name) / 1024
    print(f"{name:<16} {statistics.median(walls):>9.2f} {statistics.median(ratios):>27.2f} {rss:>12.1f}")
for level in ("tier", "requirements"):
    gains = [wall(r, f"{level}_1") / wall(r, f"{level}_2") for r in rounds]
    print(f"{level}: 2 threads give {statistics.median(gains):.2f}x the throughput of 1 (median of rounds)")
PY
rm -f "$results" "$results.err"
