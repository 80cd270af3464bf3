#!/usr/bin/env bash
# POP3 end to end with curl, a real command-line client from Debian: a message placed in the demo
# account's Maildir is listed, its UIDL read, retrieved, deleted, and gone from the Maildir after QUIT.
# Needs target/postroom.jar (built by `mvn verify`), java, curl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q; apt-get install -y -q curl; }

work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; return 0; }
trap cleanup EXIT

read -r pop3 admin < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
cat > "$work/postroom.conf" <<CONF
postroom {
  hostname = "mail.example.test"
  data-dir = "$work/data"
  local-domains = ["example.test"]
  accounts = [ { address = "demo@example.test", password = "demo" } ]
  inbound {
    smtp.enabled = false
    msa.enabled = false
    imap.enabled = false
    pop3 { bind = "127.0.0.1", port = $pop3 }
  }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = $admin }
}
CONF

# A message delivered the Maildir way (tmp, then rename into new), as any MDA would.
maildir="$work/data/mail/example.test/demo"
mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
name="1700000000.M1P1Q1.interop"
printf 'From: carol@example.test\nTo: demo@example.test\nSubject: curl interop\n\nHello over POP3.\n.a dotted line\n' > "$maildir/tmp/$name"
mv "$maildir/tmp/$name" "$maildir/new/$name"

java -jar target/postroom.jar --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -s --max-time 2 "http://127.0.0.1:$admin/status" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

url="pop3://127.0.0.1:$pop3"
auth=(--user demo@example.test:demo --max-time 20 -s -S)

list=$(curl "${auth[@]}" "$url/")
echo "LIST: $list"
[ "$(echo "$list" | tr -d '\r' | wc -l)" = 1 ] || { echo "expected one message"; exit 1; }

uidl=$(curl "${auth[@]}" -X UIDL "$url/")
echo "UIDL: $uidl"
echo "$uidl" | grep -q "^1 $name" || { echo "UIDL should be the Maildir base name"; exit 1; }

message=$(curl "${auth[@]}" "$url/1" | tr -d '\r')
echo "$message" | grep -q '^Subject: curl interop$' || { echo "RETR lost the header"; exit 1; }
echo "$message" | grep -q '^\.a dotted line$' || { echo "RETR did not undo dot-stuffing"; exit 1; }

curl "${auth[@]}" -X 'DELE 1' -I "$url/" >/dev/null
left=$(find "$maildir/cur" "$maildir/new" -type f | wc -l)
[ "$left" = 0 ] || { echo "message still in the Maildir after DELE+QUIT"; exit 1; }
[ -z "$(curl "${auth[@]}" "$url/" | tr -d '\r\n')" ] || { echo "mailbox should be empty"; exit 1; }

grep -i 'exception' "$work/engine.log" && { echo "engine logged an exception"; exit 1; } || true
echo "pop3-curl: OK"
