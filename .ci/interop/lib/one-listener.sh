# Sourced by the curl interop scripts: starts target/postroom.jar with only the listener KIND enabled
# on a free loopback port, a temp data dir, and the demo account holding one message (MESSAGE, with
# printf escapes such as \n) delivered the Maildir way. Sets: work, port, admin, maildir, name, pid.
# Stops the engine and removes the temp dir on exit.
#   start_one_listener KIND MESSAGE
command -v curl >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q; apt-get install -y -q curl; }

start_one_listener() {
  local kind=$1 message=$2 other
  work=$(mktemp -d)
  pid=""
  trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
  read -r port admin < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  {
    echo "postroom {"
    echo "  hostname = \"mail.example.test\""
    echo "  data-dir = \"$work/data\""
    echo "  local-domains = [\"example.test\"]"
    echo "  accounts = [ { address = \"demo@example.test\", password = \"demo\" } ]"
    echo "  inbound {"
    for other in smtp msa pop3 imap; do
      [ "$other" = "$kind" ] || echo "    $other.enabled = false"
    done
    echo "    $kind { bind = \"127.0.0.1\", port = $port }"
    echo "  }"
    echo "  multipop.interval = 1 hour"
    echo "  admin { bind = \"127.0.0.1\", port = $admin }"
    echo "}"
  } > "$work/postroom.conf"

  # A message delivered the Maildir way (tmp, then rename into new), as any MDA would.
  maildir="$work/data/mail/example.test/demo"
  mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
  name="1700000000.M1P1Q1.interop"
  printf '%b' "$message" > "$maildir/tmp/$name"
  mv "$maildir/tmp/$name" "$maildir/new/$name"

  java -jar target/postroom.jar --config "$work/postroom.conf" > "$work/engine.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if curl -s --max-time 2 "http://127.0.0.1:$admin/status" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
}
