#!/usr/bin/env bash
# The side-by-side harness still works: bench/peers.sh --smoke (tiny counts) runs every load against
# Postroom and its peers and prints the table; this checks each Postroom row has a figure. No figure is
# compared with a target here (CI machines are noisy); the real run is bench/peers.sh (docs/benchmarks.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ONLY=${ONLY:-"smtp outbound pop3 imap idle busy startup"} bench/peers.sh --smoke > "$log"
cat "$log"
fail=0
check() { # ROW-PREFIX: the Postroom column of that row must be a number
  local line
  line=$(grep -F "| $1" "$log" | head -1)
  if ! awk -F'|' '{ gsub(/ /, "", $3); exit !($3 ~ /^[0-9.]+$/) }' <<<"$line"; then
    echo "bench smoke: no Postroom figure in row: $1 ($line)"; fail=1
  fi
}
check "SMTP in, smtp-source -s 5"
check "SMTP in, Load 5 sessions, p99"
check "outbound to smtp-sink, concurrency 5"
check "POP3 RETR, 5 clients"
check "idle SMTP: connections held"
check "Server Too Busy p99"
check "startup to accepting"
if [ -d src/main/java/org/postroom/imap ]; then
  check "IMAP mixed, 5 clients"
  check "IMAP logins/s"
fi
grep -q "^pr_busy_not_refused 0$" "$log" || { echo "bench smoke: a probe of the full listener was not refused"; fail=1; }
[ $fail = 0 ] && echo "bench smoke OK"
exit $fail
