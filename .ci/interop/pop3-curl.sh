#!/usr/bin/env bash
# POP3 end to end with curl, a real command-line client from Debian: a message placed in the demo
# account's Maildir is listed, its UIDL read, retrieved, deleted, and gone from the Maildir after QUIT.
# Needs target/postroom.jar (built by `mvn verify`), java, curl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/interop/lib/one-listener.sh
start_one_listener pop3 'From: carol@example.test\nTo: demo@example.test\nSubject: curl interop\n\nHello over POP3.\n.a dotted line\n'
pop3="$port"

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
