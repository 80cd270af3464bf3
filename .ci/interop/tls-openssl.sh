#!/usr/bin/env bash
# TLS interop with openssl s_client, a real TLS stack other than the JDK's: STARTTLS on SMTP and the
# MSA, STLS on POP3, and the implicit-TLS listeners (smtps, pop3s) on the engine's generated
# self-signed certificate. After each handshake it sends EHLO/CAPA and checks the answer; it checks
# the protocol is TLSv1.2 or TLSv1.3 and that a TLS 1.1 client is refused. IMAP STARTTLS/imaps are
# checked when the engine has an IMAP listener (skipped otherwise).
# Needs target/postroom.jar (built by `mvn verify`), java, openssl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v openssl >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q; apt-get install -y -q openssl; }

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

read -r smtp msa pop3 imap smtps pop3s imaps admin < <(python3 -c 'import socket
s=[socket.socket() for _ in range(8)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
cat > "$work/postroom.conf" <<CONF
postroom {
  hostname = "mail.example.test"
  data-dir = "$work/data"
  local-domains = ["example.test"]
  accounts = [ { address = "demo@example.test", password = "demo" } ]
  inbound {
    smtp { bind = "127.0.0.1", port = $smtp }
    msa { bind = "127.0.0.1", port = $msa, require-tls-for-auth = true }
    pop3 { bind = "127.0.0.1", port = $pop3 }
    imap { bind = "127.0.0.1", port = $imap }
    smtps { enabled = true, bind = "127.0.0.1", port = $smtps }
    pop3s { enabled = true, bind = "127.0.0.1", port = $pop3s }
    imaps { enabled = true, bind = "127.0.0.1", port = $imaps }
  }
  outbound.delivery-interval = 1 hour
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = $admin }
}
CONF

java -jar target/postroom.jar --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$admin") 2>/dev/null; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || { echo "engine did not start"; cat "$work/engine.log"; exit 1; }
[ -f "$work/data/tls/self-signed.p12" ] || { echo "no self-signed certificate generated"; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# s_client NAME EXPECT [s_client options...]: runs the dialogue on stdin, checks TLS 1.2+ and EXPECT.
check() {
  local name=$1 expect=$2; shift 2
  local out
  out=$(timeout 20 openssl s_client -connect "127.0.0.1:$port" -crlf -ign_eof "$@" 2>&1 < "$work/in" || true)
  echo "$out" > "$work/$name.out"
  local proto
  proto=$(grep -Eo 'New, TLSv1\.[0-9]' <<< "$out" | grep -Eo 'TLSv1\.[0-9]' || true)
  proto=${proto%%$'\n'*}
  case "$proto" in
    TLSv1.2|TLSv1.3) ;;
    *) echo "$name: no TLS 1.2+ session (got '$proto')"; echo "$out" | tail -20; exit 1 ;;
  esac
  # (grep reads a here-string: with pipefail, "echo | grep -q" fails when grep stops reading early)
  grep -Eq "$expect" <<< "${out//$'\r'/}" || { echo "$name: expected /$expect/ after the handshake"; echo "$out" | tail -20; exit 1; }
  echo "$name: $proto OK"
}

printf 'EHLO ci.example\nQUIT\n' > "$work/in"
port=$smtp; check smtp-starttls '^250[- ]PIPELINING' -starttls smtp
port=$msa;  check msa-starttls '^250[- ]AUTH PLAIN LOGIN' -starttls smtp
port=$smtps; check smtps '^250[- ]AUTH PLAIN LOGIN' -servername mail.example.test
printf 'CAPA\nQUIT\n' > "$work/in"
port=$pop3; check pop3-stls '^USER' -starttls pop3
port=$pop3s; check pop3s '^USER'

if listening "$imap"; then
  printf 'a1 CAPABILITY\na2 LOGOUT\n' > "$work/in"
  port=$imap; check imap-starttls 'CAPABILITY' -starttls imap
  if listening "$imaps"; then port=$imaps; check imaps 'CAPABILITY'; fi
else
  echo "imap: no IMAP listener in this build, skipped"
fi

# Before STARTTLS the MSA offers no AUTH (require-tls-for-auth = true).
plain=$(python3 - "$msa" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO ci.example\r\n")
lines = []
while True:
    l = f.readline().decode()
    lines.append(l.strip())
    if l[3:4] != "-":
        break
s.sendall(b"QUIT\r\n")
print("\n".join(lines))
PY
)
grep -q 'STARTTLS' <<< "$plain" || { echo "msa: no EHLO answer before STARTTLS: $plain"; exit 1; }
if grep -q 'AUTH' <<< "$plain"; then echo "msa: AUTH offered before STARTTLS"; exit 1; fi
echo "msa: no AUTH before STARTTLS OK"

# A TLS 1.1 client must be refused (the client is allowed to try it with SECLEVEL=0).
printf 'EHLO ci.example\nQUIT\n' > "$work/in"
old=$(timeout 20 openssl s_client -connect "127.0.0.1:$smtps" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' < "$work/in" 2>&1 || true)
if grep -Eq 'New, TLSv1\.1|^220 ' <<< "$old" || ! grep -q 'New, (NONE), Cipher is (NONE)' <<< "$old"; then
  echo "smtps: a TLS 1.1 session was accepted"; exit 1
fi
echo "smtps: TLS 1.1 refused OK"

if grep -i 'exception' "$work/engine.log"; then echo "engine logged an exception"; exit 1; fi
echo "tls-openssl: OK"
