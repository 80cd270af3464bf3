#!/usr/bin/env bash
# IMAP end to end with curl, a real command-line client from Debian: a message placed in the demo
# account's Maildir is listed, searched and fetched; a message is appended; a folder is created; a
# message is flagged \Deleted and expunged, and is gone from the Maildir.
# Needs target/postroom.jar (built by `mvn verify`), java, curl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/interop/lib/one-listener.sh
start_one_listener imap 'From: carol@example.test\nTo: demo@example.test\nSubject: curl interop\n\nHello over IMAP.\n'
imap="$port"

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
