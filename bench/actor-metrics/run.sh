#!/usr/bin/env bash
# Actor-metrics overhead: messages/s through typed actors with Pekko's default mailbox ("plain") and with
# Postroom's instrumented mailbox ("instrumented"), each in its own JVM, alternated to even out noise.
# Usage: bench/actor-metrics/run.sh [pairs-of-runs=2] [rounds-per-run=5]. Needs mvn, java 17.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-2}
rounds=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mvn -B -q -o compile 2>/dev/null || mvn -B -q compile
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null 2>&1 \
  || mvn -B -q dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="target/classes:$(cat "$work/cp.txt")"
javac -nowarn -cp "$cp" -d "$work/classes" bench/actor-metrics/ActorMetricsBench.java
jvm=(java -Xms512m -Xmx512m -XX:+UseParallelGC -Dlogback.configurationFile=/dev/null -cp "$work/classes:$cp")

for i in $(seq 1 "$runs"); do
  for mode in plain instrumented; do
    "${jvm[@]}" ActorMetricsBench "$mode" "$rounds" 2>/dev/null | tee -a "$work/results.txt"
  done
done

echo
echo "== medians over all rounds (msg/s) and the instrumented mailbox's cost"
python3 - "$work/results.txt" <<'PY'
import re, sys, statistics
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"RESULT (\S+) (\S+) median \d+ msg/s \(rounds: \[(.*)\]\)", line)
    if m:
        rates.setdefault((m.group(2), m.group(1)), []).extend(int(x) for x in m.group(3).split(","))
for shape in ("queue-only", "one-way", "ping-pong"):
    plain = statistics.median(rates[(shape, "plain")])
    inst = statistics.median(rates[(shape, "instrumented")])
    print(f"{shape:10s} plain {plain:>12,.0f}  instrumented {inst:>12,.0f}  change {100 * (inst - plain) / plain:+.1f}%")
PY
