#!/usr/bin/env bash
# Nothing lost at kill -9 (see inbound-kill9.py).
set -euo pipefail
exec python3 "$(dirname "$0")/inbound-kill9.py"
