#!/usr/bin/env bash
# Side by side: Postroom against Postfix (SMTP in and out) and Dovecot (POP3, IMAP) on this machine,
# the same loads in turn, one table of figures and ratios. Installs the peers from Debian's packages if
# missing (bench/lib/peers.sh), gives each a private loopback-only configuration under a temp dir,
# stops everything it started by PID. Every load is bounded in count and in time (timeout).
#
#   bench/peers.sh            the full run (≈ 7 minutes on 2 cores)
#   bench/peers.sh --smoke    tiny counts, seconds: proves the harness works (CI: .ci/interop/bench-smoke.sh)
#   ONLY="smtp pop3" bench/peers.sh    a subset of: loopback smtp outbound pop3 imap idle busy startup
#   PR_CONF='store.journal.enabled = false' bench/peers.sh    extra HOCON (inside postroom {}) for every engine
#   FS_SETTLE=0 bench/peers.sh    do not wait for the file system after a previous run (see below; default 360 s)
#
# Prints the table and writes it to bench/results/<date>.txt (git-ignored). Postroom runs from
# target/postroom.jar (built if missing) with $POSTROOM_JAVA_OPTS (default: the flags documented in
# docs/benchmarks.md). The load tool is bench/load/Load.java (plain JDK, compiled here with javac).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source bench/lib/peers.sh

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
ONLY=${ONLY:-"loopback smtp outbound pop3 imap idle busy startup"}
# The engine's small-box profile (docs/benchmarks.md, "JVM flags"): 10,000 idle sessions in < 256 MiB RSS,
# C1 only (on 2 cores C2's compiler threads cost more than they win in a run of seconds), startup ≈ 1 s.
POSTROOM_JAVA_OPTS=${POSTROOM_JAVA_OPTS:-"-Xms32m -Xmx224m -Xmn16m -XX:+UseSerialGC -Xss256k -XX:MaxDirectMemorySize=32m -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=24m"}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
if [ $SMOKE = 1 ]; then
  SMTP_SESSIONS=${SMTP_SESSIONS:-"1 5"}; SMTP_MESSAGES=${SMTP_MESSAGES:-40}; SMTP_MESSAGES_1=${SMTP_MESSAGES_1:-10}
  OUT_CONC=${OUT_CONC:-"1 5"}; OUT_MESSAGES=${OUT_MESSAGES:-20}
  POP3_CLIENTS=${POP3_CLIENTS:-"1 5"}; POP3_MESSAGES=${POP3_MESSAGES:-10}
  IMAP_CLIENTS=${IMAP_CLIENTS:-"1 5"}; IMAP_MESSAGES=${IMAP_MESSAGES:-10}; IMAP_LOGINS=${IMAP_LOGINS:-50}
  IDLE=${IDLE:-200}; IDLE_PEER=${IDLE_PEER:-20}; BUSY_PROBES=${BUSY_PROBES:-50}; LOOP_MESSAGES=${LOOP_MESSAGES:-200}
  STARTUP_REPS=1; SETTLE=0.5; WARMUP=20; POP3_ROUND_TARGET=2; IMAP_ROUND_TARGET=2
  POP3_STEADY_ROUNDS=1; IMAP_STEADY_ROUNDS=1
else
  SMTP_SESSIONS=${SMTP_SESSIONS:-"1 20 100"}; SMTP_MESSAGES=${SMTP_MESSAGES:-4000}; SMTP_MESSAGES_1=${SMTP_MESSAGES_1:-300}
  OUT_CONC=${OUT_CONC:-"1 5 20 30"}; OUT_MESSAGES=${OUT_MESSAGES:-3000}
  POP3_CLIENTS=${POP3_CLIENTS:-"1 10 50"}; POP3_MESSAGES=${POP3_MESSAGES:-100}
  IMAP_CLIENTS=${IMAP_CLIENTS:-"1 10 50"}; IMAP_MESSAGES=${IMAP_MESSAGES:-100}; IMAP_LOGINS=${IMAP_LOGINS:-2000}
  IDLE=${IDLE:-10000}; IDLE_PEER=${IDLE_PEER:-1000}; BUSY_PROBES=${BUSY_PROBES:-2000}; LOOP_MESSAGES=${LOOP_MESSAGES:-20000}
  STARTUP_REPS=3; SETTLE=2; WARMUP=1000
  # Rounds per POP3/IMAP measurement: about this many client-rounds in all (at least 2 per client), so
  # one client is measured for seconds, not the 0.1 s that 2 rounds of 100 messages take.
  POP3_ROUND_TARGET=${POP3_ROUND_TARGET:-200}; IMAP_ROUND_TARGET=${IMAP_ROUND_TARGET:-100}
  # Warm-up before the steady-state figures, in rounds of every client at once (POP3: 50 clients × 20 =
  # 1,000 logins and 100,000 RETRs). A JVM compiles code called once per connection only after some
  # hundreds of connections; the one-client figure right after start is kept as its own "cold" row.
  POP3_STEADY_ROUNDS=${POP3_STEADY_ROUNDS:-20}; IMAP_STEADY_ROUNDS=${IMAP_STEADY_ROUNDS:-6}
fi
rounds_for() { # TARGET CLIENTS → rounds per client
  local r=$(( ($1 + $2 - 1) / $2 )); [ "$r" -lt 2 ] && r=2; echo "$r"
}
PASSWORD=bench
DOMAIN=example.test
wants() { [[ " $ONLY " == *" $1 "* ]]; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
peers_install
command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null
# (Re)build the engine jar when a source is newer than it.
if [ ! -f target/postroom.jar ] || [ -n "$(find src pom.xml -newer target/postroom.jar -print -quit)" ]; then
  mvn -B -q -o -DskipTests package
fi

# A run deletes tens of thousands of files when it ends. For minutes after that, ext4 skips those inodes
# when it allocates new ones, and the next run's file-creating loads (Postroom's SMTP, measured right
# after Postfix) paid for it: ONLY=smtp a minute after a run's cleanup gave smtp-source -s 20 1,689 msg/s
# (2.3x Postfix), seven minutes after it 6,196 (5.8x). So a run started soon after another waits.
# FS_SETTLE=0 skips the wait.
last_cleanup=/tmp/peers-bench.last-cleanup
FS_SETTLE=${FS_SETTLE:-$([ $SMOKE = 1 ] && echo 0 || echo 360)}
if [ "$FS_SETTLE" -gt 0 ] && [ -f "$last_cleanup" ]; then
  since=$(( $(date +%s) - $(cat "$last_cleanup") ))
  if [ "$since" -lt "$FS_SETTLE" ]; then
    echo "waiting $((FS_SETTLE - since)) s: the previous run deleted its files ${since} s ago (FS_SETTLE=0 skips this)" >&2
    sleep $((FS_SETTLE - since))
  fi
fi
work=$(mktemp -d /tmp/peers-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local p
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  [ -d "$work/postfix" ] && postfix_stop "$work/postfix"
  [ -d "$work/postfix-out" ] && postfix_stop "$work/postfix-out"
  [ -d "$work/dovecot" ] && dovecot_stop "$work/dovecot"
  rm -rf "$work"
  date +%s > "$last_cleanup"
}
trap cleanup EXIT

mkdir -p "$work/load"
javac -d "$work/load" bench/load/Load.java
load() { timeout 600 java -Xss256k -cp "$work/load" Load "$@"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # HOST PORT
  local i
  for i in $(seq 1 500); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.01; done
  return 1
}

figures="$work/figures"
: > "$figures"
record() { echo "$1 $2" >> "$figures"; echo "  $1 = $2" >&2; }
# Before each server's turn: write back what the previous one left dirty (Postfix's thousands of queue
# and Maildir files, their deletion), so its disk work does not land in the next server's figures.
settle_disk() { sync; sleep "$SETTLE"; }
# A finished server's files are moved aside, not deleted, until the run ends: ext4 skips inodes deleted in
# the last 60 s (longer while their table block is dirty) when it allocates new ones, and with thousands
# just deleted, the next server's file creations spent most of their time in that scan (perf: recently_deleted,
# find_inode_bit, find_get_block_common; engine system time per 4,000 messages 4.2 s, then 1.3 s, then 0.5 s
# in three identical runs one after the other).
retire() { local d; for d in "$@"; do [ -e "$d" ] || continue; mkdir -p "$work/retired"; mv "$d" "$work/retired/$(basename "$d").$RANDOM$RANDOM"; done; }

get() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$figures"; }

# RSS (KiB) of a process and all its descendants; PSS too (shared pages counted once).
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 } END {
    n = 1; list[1] = root; print root
    for (changed = 1; changed;) { changed = 0
      for (p in parent) if (!(p in seen) && (parent[p] in inlist || parent[p] == root)) {
        seen[p] = 1; inlist[p] = 1; print p; changed = 1 } } }'
}
tree_kib() { # ROOTPID rss|pss
  local total=0 p v
  for p in $(tree_pids "$1"); do
    if [ "$2" = rss ]; then v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    else v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0); fi
    total=$((total + ${v:-0}))
  done
  echo $total
}

# Maildir of 4 KiB messages (LF line ends, ,S= and ,W= in the names as Postroom and Dovecot both read).
seed_maildir() { # DIR COUNT
  python3 - "$1" "$2" <<'PY'
import os, sys
d, count = sys.argv[1], int(sys.argv[2])
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
line = "x" * 75 + "\n"
for i in range(count):
    head = "From: seed@bench.test\nTo: user@example.test\nSubject: load %d\nMessage-ID: <%d@bench.test>\nDate: Sun, 29 Nov 2026 07:00:00 +0000\n\n" % (i, i)
    body = (line * 60)[: 4096 - len(head)]
    text = (head + body).encode()
    name = "%d.M%dP1Q%d.bench,S=%d,W=%d" % (1790000000 + i, i, i, len(text), len(text) + text.count(b"\n"))
    with open(os.path.join(d, "new", name), "wb") as f:
        f.write(text)
PY
}

max_of() { local m=0 x; for x in "$@"; do [ "$x" -gt "$m" ] && m=$x; done; echo $m; }
POP3_MAX=$(max_of $POP3_CLIENTS); IMAP_MAX=$(max_of $IMAP_CLIENTS)
pop_users() { local i; for i in $(seq 1 "$POP3_MAX"); do printf 'pop%d@%s,' "$i" $DOMAIN; done | sed 's/,$//'; }
imap_users() { local i; for i in $(seq 1 "$IMAP_MAX"); do printf 'imap%d@%s,' "$i" $DOMAIN; done | sed 's/,$//'; }
all_user_list() { echo "bench@$DOMAIN $(pop_users | tr , ' ') $(imap_users | tr , ' ')"; }

HAS_IMAP=0; [ -d src/main/java/org/postroom/imap ] && HAS_IMAP=1
HAS_OUTBOUND=0; [ -d src/main/java/org/postroom/delivery ] && HAS_OUTBOUND=1

# ------------------------------------------------------------------------------------ Postroom
pr_pid=""
postroom_start() { # NAME EXTRA_HOCON → sets pr_pid, pr_smtp, pr_msa, pr_pop3, pr_imap, pr_startup_ms
  local name=$1 extra=$2 dir="$work/postroom-$1" accounts="" u
  mkdir -p "$dir"
  for u in $(all_user_list); do accounts+="{ address = \"$u\", password = \"$PASSWORD\" }, "; done
  pr_smtp=$(free_port); pr_msa=$(free_port); pr_pop3=$(free_port); pr_imap=$(free_port); pr_admin=$(free_port)
  cat > "$dir/postroom.conf" <<CONF
postroom {
  hostname = "bench.example.test"
  data-dir = "$dir/data"
  local-domains = ["$DOMAIN"]
  accounts = [ $accounts ]
  inbound {
    smtp { port = $pr_smtp, max-sessions = 500 }
    msa { port = $pr_msa, max-sessions = 500 }
    pop3 { port = $pr_pop3, max-sessions = 500 }
    imap { port = $pr_imap, max-sessions = 500 }
  }
  admin.port = $pr_admin
  $extra
  ${PR_CONF:-}
}
CONF
  [ -n "${SEED_POSTROOM:-}" ] && $SEED_POSTROOM "$dir/data/mail/$DOMAIN"
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086
  java $POSTROOM_JAVA_OPTS -jar target/postroom.jar --config "$dir/postroom.conf" > "$dir/engine.log" 2>&1 &
  pr_pid=$!
  pids+=("$pr_pid")
  wait_port 127.0.0.1 "$pr_smtp" || { echo "postroom did not start" >&2; cat "$dir/engine.log" >&2; exit 1; }
  pr_startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
postroom_stop() {
  [ -n "$pr_pid" ] || return 0
  kill "$pr_pid" 2>/dev/null || true
  wait "$pr_pid" 2>/dev/null || true
  pr_pid=""
}

metric() { # NAME → its value on the admin port of the running Postroom (integer)
  curl -s --max-time 2 "http://127.0.0.1:$pr_admin/metrics" | awk -v n="$1" '$1 == n { printf "%d", $2 }'
}

# Postroom outbound: queue OUT_MESSAGES through the MSA with delivery paused (max-sessions = 0), then
# reload max-sessions = C (POST /reload) and time until the queue is empty. DNS answers NXDOMAIN at once
# (bench/lib/nxdns.py), so every message goes to the smart host, the smtp-sink on 127.0.0.2.
postroom_outbound() { # CONCURRENCY SINKPORT
  local c=$1 sp=$2 dnsp dnspid out t0 t1 conf
  dnsp=$(free_port)
  python3 bench/lib/nxdns.py "$dnsp" & dnspid=$!; pids+=("$dnspid")
  postroom_start out "outbound { max-sessions = 0, smart-host = \"127.0.0.2:$sp\", dns.servers = [\"127.0.0.1:$dnsp\"] }"
  conf="$work/postroom-out/postroom.conf"
  out=$(load smtp "127.0.0.1:$pr_msa" sessions=20 messages="$OUT_MESSAGES" size=4096 from="bench@$DOMAIN" \
    to=sink@remote.test auth="bench@$DOMAIN:$PASSWORD")
  [ "$(field errors "$out")" = 0 ] || { echo "MSA load errors: $out" >&2; exit 1; }
  for _ in $(seq 1 200); do [ "$(metric postroom_queue_messages)" = "$OUT_MESSAGES" ] && break; sleep 0.1; done
  sed -i "s/max-sessions = 0, smart-host/max-sessions = $c, smart-host/" "$conf"
  t0=$(date +%s%N)
  curl -s -X POST --max-time 5 "http://127.0.0.1:$pr_admin/reload" >/dev/null
  for _ in $(seq 1 6000); do [ "$(metric postroom_queue_messages)" = 0 ] && break; sleep 0.05; done
  t1=$(date +%s%N)
  [ "$(metric postroom_queue_messages)" = 0 ] || echo "  postroom queue not empty: $(metric postroom_queue_messages)" >&2
  record "pr_out_c$c" "$(awk -v m="$OUT_MESSAGES" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (d / 1e9) }')"
  postroom_stop; retire "$work/postroom-out"
  kill "$dnspid" 2>/dev/null || true; wait "$dnspid" 2>/dev/null || true
}

maildir_count() { find "$1" -type f \( -path '*/new/*' -o -path '*/cur/*' \) 2>/dev/null | wc -l; }

# smtp-source: messages/s; Load: messages/s and p99 at the same session count.
smtp_runs() { # PREFIX PORT
  local prefix=$1 port=$2 s m t0 t1 out
  settle_disk
  # Warm-up, not recorded (the JVM's JIT, Postfix's process pool), the same for both servers.
  load smtp "127.0.0.1:$port" sessions=20 messages="$WARMUP" size=4096 to="bench@$DOMAIN" >/dev/null
  for s in $SMTP_SESSIONS; do
    m=$SMTP_MESSAGES; [ "$s" = 1 ] && m=$SMTP_MESSAGES_1
    t0=$(date +%s%N)
    timeout 300 smtp-source -d -s "$s" -m "$m" -l 4096 -f load@bench.test -t "bench@$DOMAIN" "127.0.0.1:$port"
    t1=$(date +%s%N)
    record "${prefix}_source_s$s" "$(awk -v m="$m" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (d / 1e9) }')"
    out=$(load smtp "127.0.0.1:$port" sessions="$s" messages="$m" size=4096 to="bench@$DOMAIN")
    [ "$(field errors "$out")" = 0 ] || { echo "load errors: $out" >&2; exit 1; }
    record "${prefix}_load_s$s" "$(field per_s "$out" | cut -d. -f1)"
    record "${prefix}_p99_s$s" "$(field p99_ms "$out")"
  done
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== side by side, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $load_at_start" >&2

# ---------------------------------------------------------------- loopback limit: smtp-source -> smtp-sink
if wants loopback; then
  echo "-- loopback limit (smtp-source -> smtp-sink)" >&2
  sp=$(free_port)
  smtp-sink -u nobody 127.0.0.2:$sp 1024 & sink=$!; pids+=("$sink")
  wait_port 127.0.0.2 $sp
  for s in 20 100; do
    t0=$(date +%s%N)
    timeout 300 smtp-source -d -s $s -m "$LOOP_MESSAGES" -l 4096 -f load@bench.test -t sink@sink.test 127.0.0.2:$sp
    t1=$(date +%s%N)
    record "loop_source_s$s" "$(awk -v m="$LOOP_MESSAGES" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (d / 1e9) }')"
  done
  kill $sink; wait $sink 2>/dev/null || true
fi

# ---------------------------------------------------------------- inbound SMTP acceptance
if wants smtp; then
  echo "-- inbound SMTP: Postfix (virtual Maildir)" >&2
  pfp=$(free_port)
  postfix_start "$work/postfix" "$pfp" $DOMAIN
  smtp_runs pf "$pfp"
  expected=$(( SMTP_MESSAGES * ($(wc -w <<<"$SMTP_SESSIONS") - 1) * 2 + SMTP_MESSAGES_1 * 2 + WARMUP ))
  for _ in $(seq 1 600); do [ "$(maildir_count "$work/postfix/mail")" -ge "$expected" ] && break; sleep 0.1; done
  echo "  postfix delivered $(maildir_count "$work/postfix/mail") of $expected into the Maildir" >&2
  postfix_stop "$work/postfix"; retire "$work/postfix"

  echo "-- inbound SMTP: Postroom" >&2
  postroom_start smtp ""
  smtp_runs pr "$pr_smtp"
  echo "  postroom Maildir holds $(maildir_count "$work/postroom-smtp/data/mail")" >&2
  postroom_stop
fi

# ---------------------------------------------------------------- startup
if wants startup; then
  best=999999
  for _ in $(seq 1 $STARTUP_REPS); do
    postroom_start startup ""
    [ "$pr_startup_ms" -lt "$best" ] && best=$pr_startup_ms
    postroom_stop; retire "$work/postroom-startup"
  done
  record pr_startup_ms "$best"
fi
if wants startup && [ $SMOKE = 0 ]; then
  # With an application class-data archive (JDK 17: dumped at the exit of one run, then mapped).
  saved_opts=$POSTROOM_JAVA_OPTS
  POSTROOM_JAVA_OPTS="$saved_opts -XX:ArchiveClassesAtExit=$work/postroom.jsa"
  postroom_start startup ""; sleep 2; postroom_stop; retire "$work/postroom-startup"
  POSTROOM_JAVA_OPTS="$saved_opts -XX:SharedArchiveFile=$work/postroom.jsa"
  best=999999
  for _ in 1 2 3; do
    postroom_start startup ""
    [ "$pr_startup_ms" -lt "$best" ] && best=$pr_startup_ms
    postroom_stop; retire "$work/postroom-startup"
  done
  POSTROOM_JAVA_OPTS=$saved_opts
  record pr_startup_cds_ms "$best"
fi

# ---------------------------------------------------------------- outbound delivery
if wants outbound; then
  sp=$(free_port)
  smtp-sink -u nobody 127.0.0.2:$sp 1024 & sink=$!; pids+=("$sink")
  wait_port 127.0.0.2 $sp
  for c in $OUT_CONC; do
    echo "-- outbound: Postfix, concurrency $c" >&2
    d="$work/postfix-out"
    pfp=$(free_port)
    POSTFIX_EXTRA="relayhost = [127.0.0.2]:$sp
default_destination_concurrency_limit = $c
smtp_destination_concurrency_limit = $c
initial_destination_concurrency = $c
smtpd_recipient_restrictions = check_recipient_access static:HOLD, permit_mynetworks, reject
smtp_connection_cache_on_demand = yes" postfix_start "$d" "$pfp" $DOMAIN
    # Every message is accepted into the hold queue, then released at once.
    timeout 300 smtp-source -d -s 20 -m "$OUT_MESSAGES" -l 4096 -f load@bench.test -t sink@remote.test "127.0.0.1:$pfp"
    for _ in $(seq 1 600); do
      [ "$(find "$d/queue/hold" -type f | wc -l)" -ge "$OUT_MESSAGES" ] && break; sleep 0.1
    done
    t0=$(date +%s%N)
    postsuper -c "$d/conf" -H ALL 2>/dev/null
    postqueue -c "$d/conf" -f
    for _ in $(seq 1 6000); do
      [ "$(find "$d/queue/deferred" "$d/queue/active" "$d/queue/incoming" "$d/queue/hold" -type f | wc -l)" = 0 ] && break
      sleep 0.05
    done
    t1=$(date +%s%N)
    record "pf_out_c$c" "$(awk -v m="$OUT_MESSAGES" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (d / 1e9) }')"
    postfix_stop "$d"; retire "$d"
  done
  if [ $HAS_OUTBOUND = 1 ] && [ -n "${POSTROOM_OUTBOUND:-1}" ]; then
    for c in $OUT_CONC; do
      echo "-- outbound: Postroom, max-sessions $c" >&2
      postroom_outbound "$c" "$sp"
    done
  else
    echo "  (Postroom outbound delivery is not in this build: skipped)" >&2
  fi
  kill $sink; wait $sink 2>/dev/null || true
fi

# ---------------------------------------------------------------- POP3
pop_seed() { local u; for u in $(pop_users | tr , ' '); do seed_maildir "$1/${u%@*}" "$POP3_MESSAGES"; done; }
imap_seed() { local u; for u in $(imap_users | tr , ' '); do seed_maildir "$1/${u%@*}" "$IMAP_MESSAGES"; done; }
dovecot_users() { local u; for u in $(pop_users | tr , ' ') $(imap_users | tr , ' '); do printf '%s:%s ' "$u" $PASSWORD; done; }

# The POP3 and IMAP loads against one server (the same steps for Dovecot and Postroom):
# a short warm-up, one client measured "cold", a longer warm-up, then every client count.
mail_loads() { # PREFIX POP3_PORT IMAP_PORT
  local c out
  if wants pop3; then
    load pop3 "127.0.0.1:$2" clients="$POP3_MAX" users="$(pop_users)" password=$PASSWORD rounds=1 >/dev/null
    out=$(load pop3 "127.0.0.1:$2" clients=1 users="$(pop_users)" password=$PASSWORD rounds="$(rounds_for $POP3_ROUND_TARGET 1)")
    [ "$(field errors "$out")" = 0 ] || { echo "pop3 errors: $out" >&2; exit 1; }
    record "$1_pop3_cold" "$(field per_s "$out" | cut -d. -f1)"
    load pop3 "127.0.0.1:$2" clients="$POP3_MAX" users="$(pop_users)" password=$PASSWORD rounds="$POP3_STEADY_ROUNDS" >/dev/null
    for c in $POP3_CLIENTS; do
      out=$(load pop3 "127.0.0.1:$2" clients="$c" users="$(pop_users)" password=$PASSWORD rounds="$(rounds_for $POP3_ROUND_TARGET $c)")
      [ "$(field errors "$out")" = 0 ] || { echo "pop3 errors: $out" >&2; exit 1; }
      record "$1_pop3_c$c" "$(field per_s "$out" | cut -d. -f1)"
    done
  fi
  if wants imap; then
    load imap "127.0.0.1:$3" clients="$IMAP_MAX" users="$(imap_users)" password=$PASSWORD rounds=1 >/dev/null
    out=$(load imap "127.0.0.1:$3" clients=1 users="$(imap_users)" password=$PASSWORD rounds="$(rounds_for $IMAP_ROUND_TARGET 1)")
    [ "$(field errors "$out")" = 0 ] || { echo "imap errors: $out" >&2; exit 1; }
    record "$1_imap_cold" "$(field per_s "$out" | cut -d. -f1)"
    load imap "127.0.0.1:$3" clients="$IMAP_MAX" users="$(imap_users)" password=$PASSWORD rounds="$IMAP_STEADY_ROUNDS" >/dev/null
    for c in $IMAP_CLIENTS; do
      out=$(load imap "127.0.0.1:$3" clients="$c" users="$(imap_users)" password=$PASSWORD rounds="$(rounds_for $IMAP_ROUND_TARGET $c)")
      [ "$(field errors "$out")" = 0 ] || { echo "imap errors: $out" >&2; exit 1; }
      record "$1_imap_c$c" "$(field per_s "$out" | cut -d. -f1)"
    done
    out=$(load imap-login "127.0.0.1:$3" clients=10 logins="$IMAP_LOGINS" users="$(imap_users)" password=$PASSWORD)
    [ "$(field errors "$out")" = 0 ] || { echo "imap-login errors: $out" >&2; exit 1; }
    record "$1_imap_logins" "$(field per_s "$out" | cut -d. -f1)"
  fi
}

if wants pop3 || wants imap; then
  echo "-- Dovecot: POP3 and IMAP" >&2
  dp=$(free_port); di=$(free_port)
  # shellcheck disable=SC2046
  dovecot_start "$work/dovecot" "$dp" "$di" $(dovecot_users)
  mkdir -p "$work/seed-pop" "$work/seed-imap"
  pop_seed "$work/seed-pop"; imap_seed "$work/seed-imap"
  for u in $(pop_users | tr , ' '); do cp -r "$work/seed-pop/${u%@*}" "$work/dovecot/mail/$u"; done
  for u in $(imap_users | tr , ' '); do cp -r "$work/seed-imap/${u%@*}" "$work/dovecot/mail/$u"; done
  chown -R nobody:nogroup "$work/dovecot/mail"
  settle_disk
  mail_loads dc "$dp" "$di"
  dovecot_stop "$work/dovecot"; retire "$work/dovecot"

  echo "-- Postroom: POP3 and IMAP" >&2
  seed_pr() { mkdir -p "$1"; cp -r "$work/seed-pop/." "$1/"; cp -r "$work/seed-imap/." "$1/"; }
  SEED_POSTROOM=seed_pr postroom_start mailbox ""
  settle_disk
  mail_loads pr "$pr_pop3" "$pr_imap"
  postroom_stop
  retire "$work/postroom-mailbox" "$work/seed-pop" "$work/seed-imap"
fi

# ---------------------------------------------------------------- idle capacity
idle_hold() { # PREFIX HOST:PORT COUNT ROOTPID
  local prefix=$1 target=$2 count=$3 root=$4 before after held f
  before=$(tree_kib "$root" rss)
  f="$work/idle-$prefix.out"
  load idle "$target" count="$count" seconds=600 > "$f" & local ip=$!
  pids+=("$ip")
  for _ in $(seq 1 1200); do grep -q held= "$f" && break; sleep 0.1; done
  sleep $SETTLE
  held=$(field held "$(cat "$f")")
  after=$(tree_kib "$root" rss)
  record "${prefix}_held" "$held"
  record "${prefix}_rss_mib" "$(awk -v a="$after" 'BEGIN { printf "%.1f", a / 1024 }')"
  record "${prefix}_pss_mib" "$(awk -v a="$(tree_kib "$root" pss)" 'BEGIN { printf "%.1f", a / 1024 }')"
  record "${prefix}_kib_per_conn" "$(awk -v a="$after" -v b="$before" -v n="$held" 'BEGIN { printf "%.1f", n ? (a - b) / n : 0 }')"
  kill "$ip" 2>/dev/null || true; wait "$ip" 2>/dev/null || true
}
if wants idle; then
  echo "-- idle capacity: Postfix smtpd, $IDLE_PEER connections (one process each)" >&2
  pfp=$(free_port)
  POSTFIX_EXTRA="default_process_limit = $((IDLE_PEER + 50))
smtpd_client_connection_count_limit = 0" postfix_start "$work/postfix" "$pfp" $DOMAIN
  sleep $SETTLE
  idle_hold pf_idle_smtp "127.0.0.1:$pfp" "$IDLE_PEER" "$(head -1 "$work/postfix/queue/pid/master.pid" | tr -d ' ')"
  postfix_stop "$work/postfix"; retire "$work/postfix"

  echo "-- idle capacity: Dovecot imap-login, $IDLE connections" >&2
  dp=$(free_port); di=$(free_port)
  DOVECOT_EXTRA="default_client_limit = $((IDLE + 1000))
service imap-login {
  service_count = 0
  client_limit = $((IDLE + 100))
  process_min_avail = 2
  vsz_limit = 1G
}" dovecot_start "$work/dovecot" "$dp" "$di" "bench@$DOMAIN:$PASSWORD"
  sleep $SETTLE
  idle_hold dc_idle_imap "127.0.0.1:$di" "$IDLE" "$(cat "$work/dovecot/run/master.pid")"
  dovecot_stop "$work/dovecot"; retire "$work/dovecot"

  echo "-- idle capacity: Postroom, $IDLE SMTP connections (then a fresh engine for IMAP)" >&2
  postroom_start idle "inbound.smtp.max-sessions = $((IDLE + 100)), inbound.imap.max-sessions = $((IDLE + 100))"
  sleep $SETTLE
  idle_hold pr_idle_smtp "127.0.0.1:$pr_smtp" "$IDLE" "$pr_pid"
  postroom_stop; retire "$work/postroom-idle"
  if [ $HAS_IMAP = 1 ]; then
    echo "-- idle capacity: Postroom, $IDLE IMAP connections" >&2
    postroom_start idle "inbound.smtp.max-sessions = $((IDLE + 100)), inbound.imap.max-sessions = $((IDLE + 100))"
    sleep $SETTLE
    idle_hold pr_idle_imap "127.0.0.1:$pr_imap" "$IDLE" "$pr_pid"
    postroom_stop; retire "$work/postroom-idle"
  fi
fi

# ---------------------------------------------------------------- Server Too Busy under load
if wants busy; then
  echo "-- Server Too Busy decision under load: 100 sessions sending, probes on the full listener" >&2
  postroom_start busy "inbound.smtp.max-sessions = 100"
  load smtp "127.0.0.1:$pr_smtp" sessions=100 messages=1000000 size=4096 to="bench@$DOMAIN" timeout=120 \
    > "$work/busy-load.out" 2>&1 & bl=$!
  pids+=("$bl")
  # Probe only once all 100 sessions are in (the limit is reached).
  for _ in $(seq 1 200); do [ "$(metric 'postroom_sessions_active{kind="smtp"}')" = 100 ] && break; sleep 0.05; done
  sleep $SETTLE
  out=$(load busy "127.0.0.1:$pr_smtp" probes="$BUSY_PROBES" expect=421)
  # The server-side share, refusals only: accept → decided, 421 written and closed (p99 over the last
  # minute; the 100 admissions at the start are not in it).
  record pr_busy_decision_p99_ms "$(curl -s --max-time 2 "http://127.0.0.1:$pr_admin/metrics" \
    | awk '/^postroom_refusal_wait_seconds\{/ && /kind="smtp"/ && /quantile="0.99"/ { printf "%.3f", $NF * 1000 }')"
  # The control: the same probes, under the same load, against a bare loop that accepts and writes 421
  # (Load.java refuser). What it shows is the machine's share: the probe's and the loop's wake-ups on
  # two cores that 100 senders and the engine keep busy.
  rp=$(free_port)
  load refuser "127.0.0.1:$rp" seconds=300 > /dev/null & rf=$!; pids+=("$rf")
  wait_port 127.0.0.1 "$rp"
  ctl=$(load busy "127.0.0.1:$rp" probes="$BUSY_PROBES" expect=421)
  kill $rf 2>/dev/null || true; wait $rf 2>/dev/null || true
  record ctl_busy_p99_ms "$(field p99_ms "$ctl")"
  record ctl_busy_p50_ms "$(field p50_ms "$ctl")"
  kill $bl 2>/dev/null || true; wait $bl 2>/dev/null || true
  record pr_busy_p99_ms "$(field p99_ms "$out")"
  record pr_busy_p50_ms "$(field p50_ms "$out")"
  record pr_busy_not_refused "$(field not_refused "$out")"
  postroom_stop; retire "$work/postroom-busy"
fi

# ---------------------------------------------------------------- the table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
row() { # LABEL POSTROOM PEER TARGET
  printf "| %-44s | %10s | %10s | %6s | %-22s |\n" "$1" "${2:--}" "${3:--}" "$(ratio "${2:-}" "${3:-}")" "$4"
}
mkdir -p bench/results
result="bench/results/$(date -u +%Y-%m-%dT%H%M).txt"
{
  echo "Postroom vs. Postfix $(postconf -d -h mail_version 2>/dev/null) / Dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1)," \
       "$(java -version 2>&1 | head -1 | tr -d '"'), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
       "load average at the start $load_at_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)$([ $SMOKE = 1 ] && echo ', SMOKE counts')"
  echo "Postroom JVM: $POSTROOM_JAVA_OPTS"
  echo
  printf "| %-44s | %10s | %10s | %6s | %-22s |\n" figure Postroom peer ratio target
  echo "|----------------------------------------------|------------|------------|--------|------------------------|"
  for s in $SMTP_SESSIONS; do
    row "SMTP in, smtp-source -s $s, msg/s (Postfix)" "$(get pr_source_s$s)" "$(get pf_source_s$s)" \
      "$([ "$s" = 1 ] && echo "-" || echo "≥ 3×")"
    row "SMTP in, Load $s sessions, msg/s (Postfix)" "$(get pr_load_s$s)" "$(get pf_load_s$s)" ""
    row "SMTP in, Load $s sessions, p99 ms (Postfix)" "$(get pr_p99_s$s)" "$(get pf_p99_s$s)" ""
  done
  for s in 20 100; do
    row "SMTP in -s $s, % of loopback limit ($(get loop_source_s$s)/s)" \
      "$(awk -v a="$(get pr_source_s$s)" -v b="$(get loop_source_s$s)" 'BEGIN { if (b) printf "%.1f", 100*a/b }')" \
      "$(awk -v a="$(get pf_source_s$s)" -v b="$(get loop_source_s$s)" 'BEGIN { if (b) printf "%.1f", 100*a/b }')" "Postroom ≥ 40 %"
  done
  for c in $OUT_CONC; do
    row "outbound to smtp-sink, concurrency $c, msg/s" "$(get pr_out_c$c)" "$(get pf_out_c$c)" \
      "$([ "$c" -ge 20 ] && echo "≥ 1.5×" || echo "≥ 1×")"
  done
  row "POP3 RETR, 1 client, cold, msg/s (Dovecot)" "$(get pr_pop3_cold)" "$(get dc_pop3_cold)" "(just after start)"
  for c in $POP3_CLIENTS; do
    row "POP3 RETR, $c clients, msg/s (Dovecot)" "$(get pr_pop3_c$c)" "$(get dc_pop3_c$c)" "≥ 1.5×"
  done
  row "IMAP mixed, 1 client, cold, ops/s (Dovecot)" "$(get pr_imap_cold)" "$(get dc_imap_cold)" "(just after start)"
  for c in $IMAP_CLIENTS; do
    row "IMAP mixed, $c clients, ops/s (Dovecot)" "$(get pr_imap_c$c)" "$(get dc_imap_c$c)" "≥ 1.5×"
  done
  row "IMAP logins/s, 10 clients (Dovecot)" "$(get pr_imap_logins)" "$(get dc_imap_logins)" "≥ 5×"
  row "idle SMTP: connections held (Postfix)" "$(get pr_idle_smtp_held)" "$(get pf_idle_smtp_held)" ""
  row "idle SMTP: RSS MiB, whole engine (Postfix sum)" "$(get pr_idle_smtp_rss_mib)" "$(get pf_idle_smtp_rss_mib)" "< 256 MiB @10k"
  row "idle SMTP: PSS MiB (Postfix sum)" "$(get pr_idle_smtp_pss_mib)" "$(get pf_idle_smtp_pss_mib)" ""
  row "idle SMTP: KiB per connection (Postfix)" "$(get pr_idle_smtp_kib_per_conn)" "$(get pf_idle_smtp_kib_per_conn)" ""
  row "idle IMAP: connections held (Dovecot)" "$(get pr_idle_imap_held)" "$(get dc_idle_imap_held)" ""
  row "idle IMAP: PSS MiB (Dovecot sum)" "$(get pr_idle_imap_pss_mib)" "$(get dc_idle_imap_pss_mib)" ""
  row "idle IMAP: RSS MiB (Dovecot sum)" "$(get pr_idle_imap_rss_mib)" "$(get dc_idle_imap_rss_mib)" "< 256 MiB @10k"
  row "idle IMAP: KiB per connection (Dovecot)" "$(get pr_idle_imap_kib_per_conn)" "$(get dc_idle_imap_kib_per_conn)" ""
  row "Server Too Busy p99 ms under load" "$(get pr_busy_p99_ms)" "" "< 1 ms"
  row "  of which accept → 421 written (server), p99 ms" "$(get pr_busy_decision_p99_ms)" "" "< 1 ms"
  row "  p50 ms (client)" "$(get pr_busy_p50_ms)" "" "(diagnostic)"
  row "  control: bare accept+421 loop, p99 / p50 ms" "$(get ctl_busy_p99_ms) / $(get ctl_busy_p50_ms)" "" "(the box's floor)"
  row "startup to accepting, ms (best of 3)" "$(get pr_startup_ms)" "" "< 2000 ms"
  row "startup with AppCDS archive, ms (best of 3)" "$(get pr_startup_cds_ms)" "" "< 2000 ms"
  echo
  echo "raw figures:"
  sort "$figures"
} | tee "$result"
java -Djava.awt.headless=true bench/chart/Chart.java "$result" "${result%.txt}.png" 2>/dev/null \
  && echo "chart: ${result%.txt}.png" >&2 || echo "(no chart: java.awt unavailable)" >&2
echo "written to $result" >&2
