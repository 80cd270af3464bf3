#!/usr/bin/env bash
# MultiPOP against a real Dovecot POP3 from Debian's packages: installs dovecot-pop3d if missing and runs
# MultiPopDovecotIntegrationTest with Dovecot required (the test starts its own Dovecot on 127.0.0.1 with
# a throw-away config; the system's Dovecot service is not used).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/sbin/dovecot ] || [ ! -e /usr/lib/dovecot/pop3 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q dovecot-pop3d >/dev/null
fi
mvn -B -q -o test -Dtest=MultiPopDovecotIntegrationTest -Dmultipop.dovecot.required=true \
  -Dsurefire.failIfNoSpecifiedTests=false
grep -h "Tests run" target/surefire-reports/*MultiPopDovecotIntegrationTest.txt
