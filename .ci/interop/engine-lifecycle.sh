#!/usr/bin/env bash
# The two-command promise, end to end: the jar starts on the shipped conf/postroom.conf, takes mail
# from curl's SMTP client into the demo Maildir, `postroom status` prints the table, a bad config
# exits 2 with one line, `postroom reload` applies an edited limit (and refuses a bad file), and
# SIGTERM tells an open SMTP session 421 and exits cleanly.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar="$repo/target/postroom.jar"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Run from a directory holding only the shipped config, as a newcomer would from the repository.
mkdir -p "$work/conf" && cp "$repo/conf/postroom.conf" "$work/conf/"
cd "$work"

printf 'postroom.inbound.smtp.max-sessions = -3\n' > bad.conf
set +e
java -jar "$jar" --config bad.conf 2> bad.err; code=$?
set -e
cat bad.err
[ "$code" = 2 ] || { echo "bad config should exit 2, got $code"; exit 1; }
[ "$(wc -l < bad.err)" = 1 ] && grep -q "inbound.smtp.max-sessions" bad.err

java -jar "$jar" > engine.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -s --max-time 1 http://127.0.0.1:9025/status >/dev/null 2>&1 && break
  sleep 0.2
done
grep -q "smtp listening on 127.0.0.1:2525" engine.log

printf 'From: newcomer@elsewhere.test\r\nTo: demo@example.test\r\nSubject: first mail\r\n\r\nHello Postroom.\r\n' > mail.txt
curl -s -S --max-time 20 smtp://127.0.0.1:2525 --mail-from newcomer@elsewhere.test \
  --mail-rcpt demo@example.test --upload-file mail.txt
grep -rl "Hello Postroom." data/mail/example.test/demo/new/ >/dev/null
echo "delivered: $(ls data/mail/example.test/demo/new/)"

java -jar "$jar" status | tee status.txt
grep -qE "^smtp +0 +50 +1 +1 +0" status.txt

# Live reload: a lower smtp limit from the edited file shows in the running engine; a bad file changes nothing.
sed -i 's/smtp { bind = "127.0.0.1", port = 2525, max-sessions = 50 }/smtp { bind = "127.0.0.1", port = 2525, max-sessions = 7 }/' conf/postroom.conf
java -jar "$jar" reload > reload.json
grep -q '"smtp" : 7' reload.json
java -jar "$jar" status | grep -qE "^smtp +0 +7 "
cp conf/postroom.conf good.conf
printf 'postroom.inbound.imap.max-sessions = 0\n' >> conf/postroom.conf
set +e; java -jar "$jar" reload 2> reload.err; code=$?; set -e
cp good.conf conf/postroom.conf
[ "$code" = 2 ] && grep -q "inbound.imap.max-sessions" reload.err
java -jar "$jar" status | grep -qE "^imap +0 +50 "
# SIGHUP re-reads the file too.
sed -i 's/pop3 { bind = "127.0.0.1", port = 2110, max-sessions = 50 }/pop3 { bind = "127.0.0.1", port = 2110, max-sessions = 9 }/' conf/postroom.conf
kill -HUP "$pid"
for _ in $(seq 1 50); do java -jar "$jar" status | grep -qE "^pop3 +0 +9 " && break; sleep 0.2; done
java -jar "$jar" status | grep -qE "^pop3 +0 +9 " || { echo "SIGHUP did not reload"; cat engine.log; exit 1; }
echo "reload OK"

# An open session at SIGTERM hears 421 and the engine exits 0.
python3 - "$pid" <<'PY'
import os, signal, socket, sys, time
s = socket.create_connection(("127.0.0.1", 2525), timeout=10)
f = s.makefile("rb")
assert f.readline().startswith(b"220 "), "greeting"
os.kill(int(sys.argv[1]), signal.SIGTERM)
line = f.readline().decode()
print("at SIGTERM:", line.strip())
assert line.startswith("421 "), line
PY
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "engine still running after SIGTERM"; exit 1; fi
set +e; wait "$pid"; code=$?; set -e; pid=""
# The JVM reports a SIGTERM-initiated shutdown as 143 (128 + 15); systemd's SuccessExitStatus=143.
[ "$code" = 0 ] || [ "$code" = 143 ] || { echo "engine exit code $code"; cat engine.log; exit 1; }
grep -q "ERROR" engine.log && { echo "errors logged during the run:"; cat engine.log; exit 1; }
echo "engine lifecycle OK"
