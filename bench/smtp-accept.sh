#!/usr/bin/env bash
# Inbound SMTP acceptance: Postfix's smtp-source against a Postroom on loopback, 4 KiB messages to one
# local account, at 1, 20 and 100 concurrent sessions. Prints messages/s per run. Bounded: each run
# sends MESSAGES messages and is killed after 300 s. Does not start Postfix; only uses its load tool.
#
#   bench/smtp-accept.sh [MESSAGES]        (default 2000; SESSIONS="1 20 100" to change the set)
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-2000}
SESSIONS=${SESSIONS:-"1 20 100"}
PORT=${PORT:-2625}

if ! command -v smtp-source >/dev/null 2>&1; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
fi
[ -f target/postroom.jar ] || mvn -B -q -DskipTests package

work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/bench.conf" <<CONF
postroom {
  hostname = "bench.example.test"
  data-dir = "$work/data"
  local-domains = ["example.test"]
  accounts = [{ address = "bench@example.test", password = "bench" }]
  inbound {
    smtp { port = $PORT, max-sessions = 500 }
    msa.enabled = false
    pop3.enabled = false
    imap.enabled = false
  }
  admin.port = $((PORT + 1))
}
CONF
java -jar target/postroom.jar --config "$work/bench.conf" > "$work/engine.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.1
done

echo "smtp-source -> Postroom, $MESSAGES messages of 4096 bytes, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
printf "%-9s %10s %10s\n" sessions seconds msg/s
for s in $SESSIONS; do
  before=$(find "$work/data/mail" -type f -path '*/new/*' 2>/dev/null | wc -l)
  start=$(date +%s.%N)
  timeout 300 smtp-source -d -s "$s" -m "$MESSAGES" -l 4096 -f sender@bench.test -t bench@example.test 127.0.0.1:$PORT
  end=$(date +%s.%N)
  after=$(find "$work/data/mail" -type f -path '*/new/*' | wc -l)
  got=$((after - before))
  [ "$got" -eq "$MESSAGES" ] || { echo "expected $MESSAGES messages in the Maildir, found $got" >&2; exit 1; }
  awk -v s="$s" -v a="$start" -v b="$end" -v m="$MESSAGES" 'BEGIN { printf "%-9s %10.2f %10.0f\n", s, b - a, m / (b - a) }'
done
