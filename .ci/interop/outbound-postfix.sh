#!/usr/bin/env bash
# Outbound interop with a real Postfix from Debian's packages: a message submitted to Postroom's MSA
# (curl, AUTH) for a remote domain is delivered by Postroom's delivery sessions to a receiving Postfix
# on 127.0.0.1 (as smart host), which stores it in its own Maildir. Both are stopped by PID.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/bench/lib/peers.sh"
peers_install

work=$(mktemp -d)
chmod 755 "$work"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  postfix_stop "$work/postfix" || true
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

read -r msa admin pfport < <(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')

postfix_start "$work/postfix" "$pfport" peer.test

cat > "$work/postroom.conf" <<CONF
postroom {
  hostname = "mail.example.test"
  data-dir = "$work/data"
  local-domains = ["example.test"]
  accounts = [ { address = "demo@example.test", password = "demo" } ]
  inbound {
    smtp.enabled = false
    pop3.enabled = false
    imap.enabled = false
    msa { bind = "127.0.0.1", port = $msa }
  }
  outbound {
    smart-host = "127.0.0.1:$pfport"
    dns.servers = ["127.0.0.1:9"]
    connect-timeout = 5 seconds
  }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = $admin }
}
CONF
java -jar "$repo/target/postroom.jar" --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -s --max-time 1 "http://127.0.0.1:$admin/status" >/dev/null 2>&1 && break
  sleep 0.2
done

printf 'From: demo@example.test\r\nTo: friend@peer.test\r\nSubject: to postfix\r\n\r\nDelivered by Postroom to Postfix.\r\n' > "$work/mail.txt"
curl -s -S --max-time 20 "smtp://127.0.0.1:$msa" --user demo@example.test:demo --login-options AUTH=PLAIN \
  --mail-from demo@example.test --mail-rcpt friend@peer.test --upload-file "$work/mail.txt"

for _ in $(seq 1 150); do
  if grep -rl "Delivered by Postroom to Postfix." "$work/postfix/mail" >/dev/null 2>&1; then
    echo "Postfix stored: $(grep -rl "Delivered by Postroom to Postfix." "$work/postfix/mail")"
    grep -q "status=sent" "$work/postfix/maillog"
    curl -s "http://127.0.0.1:$admin/metrics" | grep 'postroom_deliveries_total{result="delivered"} 1.0'
    echo "outbound-postfix: OK"
    exit 0
  fi
  sleep 0.2
done
echo "Postfix never received the message"; tail -20 "$work/engine.log"; tail -20 "$work/postfix/maillog" 2>/dev/null
exit 1
