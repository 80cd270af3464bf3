#!/usr/bin/env bash
# MultiPOP collection throughput: the router collects SOURCES remote mailboxes (a threaded fake POP3
# server on loopback) of MESSAGES 4 KiB messages each into fsynced Maildirs, deleting them on the server,
# at 1, 5 and 20 sessions. Prints messages/s per run (also in target/multipop-bench.txt).
#
#   bench/multipop.sh [SOURCES] [MESSAGES]      (defaults 40 and 25; SESSIONS="1 5 20" to change the set)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES=${1:-40}
MESSAGES=${2:-25}
SESSIONS=${SESSIONS:-"1 5 20"}
timeout 900 mvn -B -q test -Dtest=MultiPopBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.sources="$SOURCES" -Dbench.messages="$MESSAGES" -Dbench.sessions="$SESSIONS"
cat target/multipop-bench.txt
