#!/usr/bin/env bash
# The status page (GET / on the admin port) rendered by a real browser: headless Chromium from Debian's
# packages loads it from a running engine, its script polls /status and fills in the live figures; the
# rendered DOM must show them (a configured limit, an open POP3 session, the charts), and a screenshot
# goes to target/status-page.png. Needs java, python3 (free ports), target/postroom.jar (built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium
fi
[ -f target/postroom.jar ] || mvn -B -q -DskipTests package

work=$(mktemp -d)
pid=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

read -r smtp msa pop3 imap admin < <(python3 -c 'import socket
s=[socket.socket() for _ in range(5)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
cat > "$work/postroom.conf" <<CONF
postroom {
  hostname = "status-page.example.test"
  data-dir = "$work/data"
  local-domains = ["example.test"]
  accounts = [ { address = "demo@example.test", password = "demo" } ]
  inbound {
    smtp { bind = "127.0.0.1", port = $smtp, max-sessions = 37 }
    msa  { bind = "127.0.0.1", port = $msa }
    pop3 { bind = "127.0.0.1", port = $pop3, max-sessions = 3 }
    imap { bind = "127.0.0.1", port = $imap }
  }
  outbound { delivery-interval = 1 hour, dns.servers = ["127.0.0.1:9"] }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = $admin }
}
CONF

java -jar target/postroom.jar --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$admin/status', timeout=2)" 2>/dev/null; then break; fi
  sleep 0.2
done

# One POP3 session held open while the browser looks: the page must show it as active.
exec 3<>"/dev/tcp/127.0.0.1/$pop3"
read -r -t 10 greeting <&3
echo "POP3: $greeting"

url="http://127.0.0.1:$admin/"
browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage
  --user-data-dir="$work/profile")
timeout 90 "${browser[@]}" --virtual-time-budget=5000 --dump-dom "$url" > "$work/dom.html" 2> "$work/chromium.log" || {
  echo "chromium failed"; tail -20 "$work/chromium.log"; exit 1; }

check() { # check DESCRIPTION REGEX
  if grep -Eq "$2" "$work/dom.html"; then echo "ok: $1"; else echo "FAILED: $1 (no /$2/ in the rendered DOM)"; fail=1; fi
}
fail=0
check "the script ran and rendered at least once" 'data-updates="[1-9][0-9]*"'
check "the connection state says live" 'id="state" class="state ok">live<'
check "the hostname from /status" 'id="hostname">status-page\.example\.test<'
check "the smtp limit from the config" 'id="limit-smtp">37<'
check "the pop3 limit from the config" 'id="limit-pop3">3<'
check "the open POP3 session is active" 'id="active-pop3">1<'
check "a row for every session kind" 'id="session-smtp-out"'
check "the session gauges, the pop3 one a third full" 'class="gauge"[^>]*><div style="width: 33\.3%;"'
check "the charts are drawn" '<polyline [^>]*data-series="pop3"'
check "the queue depth" 'id="queue-messages">0<'
check "the actor table counts the pop3 session" 'id="actor-live-pop3-session">1<'
if [ "$fail" != 0 ]; then
  echo "--- rendered DOM:"; cat "$work/dom.html"; echo "--- engine log:"; tail -20 "$work/engine.log"; exit 1
fi

mkdir -p target
timeout 90 "${browser[@]}" --virtual-time-budget=5000 --window-size=1280,1200 --hide-scrollbars \
  --screenshot="$PWD/target/status-page.png" "$url" >> "$work/chromium.log" 2>&1
[ -s target/status-page.png ] || { echo "no screenshot"; tail -20 "$work/chromium.log"; exit 1; }
echo "screenshot: target/status-page.png ($(stat -c %s target/status-page.png) bytes)"

grep -i 'exception' "$work/engine.log" && { echo "engine logged an exception"; exit 1; } || true
echo "status-page-chromium: OK"
