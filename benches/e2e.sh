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
python3 - "$results" <<'PY'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    name, wall, rss = line.split()
    by.setdefault(name, []).append((float(wall), int(rss)))
floor = statistics.median(w for w, _ in by["floor"])
print(f"{'configuration':<16} {'median s':>9} {'x floor':>8} {'peak RSS MB':>12}")
for name, values in by.items():
    wall = statistics.median(w for w, _ in values)
    rss = max(r for _, r in values) / 1024
    print(f"{name:<16} {wall:>9.2f} {wall / floor:>8.2f} {rss:>12.1f}")
for level in ("tier", "requirements"):
    one = statistics.median(w for w, _ in by[f"{level}_1"])
    two = statistics.median(w for w, _ in by[f"{level}_2"])
    print(f"{level}: 2 threads give {one / two:.2f}x the throughput of 1")
PY
rm -f "$results" "$results.err"
