#!/usr/bin/env bash
# IMAP answers side by side with Dovecot (Debian's package, private loopback-only config from
# bench/lib/peers.sh): every sample under src/test/resources/transcripts/imap/messages/ is placed in a
# Dovecot Maildir and a Postroom Maildir, then both are asked for BODYSTRUCTURE, ENVELOPE, BODY, some
# header/MIME/part sections and RFC822.SIZE over imaplib; differences other than letter case are
# printed. Known and intended: after a nested multipart's close-delimiter Dovecot counts the CRLF into
# the enclosing part (2 octets, 1 line more); Postroom gives it to the next delimiter (RFC 2046 5.1.1).
# A diagnostic, not a CI gate. Needs target/postroom.jar, java, python3, root (to install Dovecot).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/peers.sh
peers_install

d=$(mktemp -d)
jp=""
cleanup() { [ -n "$jp" ] && kill "$jp" 2>/dev/null; dovecot_stop "$d"; rm -rf "$d"; }
trap cleanup EXIT
read -r pop imap pimap padmin < <(python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
dovecot_start "$d" "$pop" "$imap" "t@x:pw"
mkdir -p "$d/pr/data/mail/example.test/t/new" "$d/pr/data/mail/example.test/t/cur" "$d/pr/data/mail/example.test/t/tmp"
i=0
for f in src/test/resources/transcripts/imap/messages/*.eml; do
  i=$((i+1))
  dovecot_deliver "$d" t@x "$f"
  cp "$f" "$d/pr/data/mail/example.test/t/new/$((1700000000+i)).M1P1Q$i.x"
  sleep 1.1  # Dovecot orders new mail by its file name's timestamp
done
cat > "$d/pr/p.conf" <<CONF
postroom {
  hostname = "h", data-dir = "$d/pr/data", local-domains = ["example.test"]
  accounts = [ { address = "t@example.test", password = "pw" } ]
  inbound { smtp.enabled = false, msa.enabled = false, pop3.enabled = false, imap { bind = "127.0.0.1", port = $pimap } }
  admin { bind = "127.0.0.1", port = $padmin }
}
CONF
java -jar target/postroom.jar --config "$d/pr/p.conf" > "$d/pr/log" 2>&1 &
jp=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$pimap) 2>/dev/null && break; sleep 0.1; done
python3 - "$imap" "$pimap" <<'PY'
import imaplib, sys
ITEMS = ["BODYSTRUCTURE", "ENVELOPE", "BODY", "BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]", "BODY.PEEK[1.MIME]",
         "BODY.PEEK[2.2.MIME]", "BODY.PEEK[2.2.1]", "BODY.PEEK[2.2.2.TEXT]", "BODY.PEEK[TEXT]<10.20>", "RFC822.SIZE"]
def get(port, user):
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, "pw")
    m.select("INBOX")
    return [m.fetch("1:*", "(" + item + ")")[1] for item in ITEMS]
diffs = 0
for item, da, db in zip(ITEMS, get(int(sys.argv[1]), "t@x"), get(int(sys.argv[2]), "t@example.test")):
    for x, y in zip(da, db):
        if repr(x).lower() != repr(y).lower():
            diffs += 1
            print("DIFF", item)
            print("  dovecot: ", repr(x))
            print("  postroom:", repr(y))
print("%d difference(s)" % diffs)
PY
