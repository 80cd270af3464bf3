#!/usr/bin/env bash
# MultiPOP against a real Dovecot POP3 from Debian's packages: installs it if missing (bench/lib/peers.sh,
# without starting the package's own service) and runs MultiPopDovecotIntegrationTest with Dovecot
# required. The test starts its own Dovecot on 127.0.0.1 with a throw-away config and stops it by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/peers.sh
peers_install
mvn -B -q -o test -Dtest=MultiPopDovecotIntegrationTest -Dmultipop.dovecot.required=true \
  -Dsurefire.failIfNoSpecifiedTests=false
grep -h "Tests run" target/surefire-reports/*MultiPopDovecotIntegrationTest.txt
