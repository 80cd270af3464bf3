#!/usr/bin/env bash
# IMAP end to end with curl, a real command-line client from Debian: a message placed in the demo
# account's Maildir is listed, searched and fetched; a message is appended; a folder is created; a
# message is flagged \Deleted and expunged, and is gone from the Maildir.
# Needs target/postroom.jar (built by `mvn verify`), java, curl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q; apt-get install -y -q curl; }

work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; return 0; }
trap cleanup EXIT

read -r imap admin < <(python3 -c 'import socket
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
    pop3.enabled = false
    imap { bind = "127.0.0.1", port = $imap }
  }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = $admin }
}
CONF

# A message delivered the Maildir way (tmp, then rename into new), as any MDA would.
maildir="$work/data/mail/example.test/demo"
mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
name="1700000000.M1P1Q1.interop"
printf 'From: carol@example.test\nTo: demo@example.test\nSubject: curl interop\n\nHello over IMAP.\n' > "$maildir/tmp/$name"
mv "$maildir/tmp/$name" "$maildir/new/$name"

java -jar target/postroom.jar --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -s --max-time 2 "http://127.0.0.1:$admin/status" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

url="imap://127.0.0.1:$imap"
auth=(--user demo@example.test:demo --max-time 20 -s -S)

list=$(curl "${auth[@]}" "$url/")
echo "LIST: $list"
echo "$list" | grep -q 'INBOX' || { echo "LIST should show INBOX"; exit 1; }

found=$(curl "${auth[@]}" "$url/INBOX?SUBJECT%20interop" | tr -d '\r')
echo "SEARCH: $found"
[ "$found" = "* SEARCH 1" ] || { echo "SEARCH should find message 1"; exit 1; }

message=$(curl "${auth[@]}" "$url/INBOX;UID=1" | tr -d '\r')
echo "$message" | grep -q '^Subject: curl interop$' || { echo "FETCH lost the header"; exit 1; }
echo "$message" | grep -q '^Hello over IMAP.$' || { echo "FETCH lost the body"; exit 1; }

printf 'From: demo@example.test\r\nSubject: appended by curl\r\n\r\nUploaded.\r\n' > "$work/append.eml"
curl "${auth[@]}" -T "$work/append.eml" "$url/INBOX"
[ "$(curl "${auth[@]}" "$url/INBOX?ALL" | tr -d '\r')" = "* SEARCH 1 2" ] || { echo "APPEND did not add message 2"; exit 1; }
curl "${auth[@]}" "$url/INBOX;UID=2" | tr -d '\r' | grep -q '^Uploaded.$' || { echo "appended message unreadable"; exit 1; }

curl "${auth[@]}" -X 'CREATE Curl/Sub' "$url/" >/dev/null
curl "${auth[@]}" "$url/" | grep -q 'Curl/Sub' || { echo "CREATE did not make Curl/Sub"; exit 1; }
[ -d "$maildir/.Curl.Sub/cur" ] || { echo "Curl/Sub is not a Maildir++ folder"; exit 1; }

# STORE and EXPUNGE need the mailbox selected in the same session: curl selects it for the URL path.
curl "${auth[@]}" -X 'UID STORE 1 +FLAGS (\Deleted)' "$url/INBOX" >/dev/null
curl "${auth[@]}" -X 'EXPUNGE' "$url/INBOX" >/dev/null || true
status=$(curl "${auth[@]}" -X 'STATUS INBOX (MESSAGES)' "$url/" | tr -d '\r')
echo "STATUS: $status"
echo "$status" | grep -q 'MESSAGES 1' || { echo "EXPUNGE should leave one message"; exit 1; }
[ ! -e "$maildir/cur/$name:2,T" ] && ! ls "$maildir/cur" | grep -q "^$name" || { echo "expunged file still there"; exit 1; }

grep -i 'exception' "$work/engine.log" && { echo "engine logged an exception"; exit 1; } || true
echo "imap-curl: OK"
