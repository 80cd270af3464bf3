#!/usr/bin/env bash
# Peers from Debian's packages for interop tests and side-by-side benchmarks: Dovecot (POP3/IMAP) and
# Postfix (SMTP), installed if missing with no configuration of their own, each given a private,
# loopback-only configuration under a directory of ours, started in the foreground or as a daemon,
# and stopped by PID. Source this file; nothing here listens beyond 127.0.0.1.

peers_install() {
  local need=()
  command -v dovecot >/dev/null 2>&1 || need+=(dovecot-pop3d dovecot-imapd)
  command -v postconf >/dev/null 2>&1 || need+=(postfix)
  if [ ${#need[@]} -gt 0 ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # policy-rc.d keeps the packages' own services from starting on 0.0.0.0.
    local policy=/usr/sbin/policy-rc.d created=
    if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; created=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
    [ -n "$created" ] && rm -f $policy
  fi
}

# dovecot_start DIR POP3_PORT IMAP_PORT USER:PASSWORD...  → Maildirs under DIR/mail/<user>/
# (DOVECOT_EXTRA: more dovecot.conf text appended, e.g. service settings for a benchmark)
dovecot_start() {
  local dir=$1 pop3=$2 imap=$3; shift 3
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  : > "$dir/passwd"
  local up
  for up in "$@"; do echo "${up%%:*}:{PLAIN}${up#*:}::::::" >> "$dir/passwd"; done
  chown -R nobody:nogroup "$dir/mail"
  chmod 755 "$dir"
  cat > "$dir/dovecot.conf" <<CONF
protocols = pop3 imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  process_min_avail = 1
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  process_min_avail = 1
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
${DOVECOT_EXTRA:-}
CONF
  dovecot -c "$dir/dovecot.conf"
  local i
  for i in $(seq 1 50); do
    [ -f "$dir/run/master.pid" ] && (exec 3<>/dev/tcp/127.0.0.1/$pop3) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "dovecot did not start:" >&2; cat "$dir/dovecot.log" >&2; return 1
}

dovecot_stop() {
  local dir=$1 pid
  pid=$(cat "$dir/run/master.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# dovecot_deliver DIR USER FILE  → puts a message into USER's Maildir new/ as Dovecot would find it
dovecot_deliver() {
  local dir=$1 user=$2 file=$3 md="$1/mail/$2"
  mkdir -p "$md/new" "$md/cur" "$md/tmp"
  cp "$file" "$md/new/$(date +%s).$RANDOM$RANDOM.interop"
  chown -R nobody:nogroup "$md"
}

# postfix_start DIR PORT DOMAIN  → a receiving Postfix on 127.0.0.1:PORT keeping mail for DOMAIN in
# DIR/mail/ (one Maildir for every recipient), relaying nothing. POSTFIX_EXTRA: more main.cf lines
# (later lines win), e.g. a relayhost for the outbound benchmark.
postfix_start() {
  local dir=$1 port=$2 domain=$3
  mkdir -p "$dir/conf" "$dir/queue" "$dir/data" "$dir/mail"
  chown postfix "$dir/data"
  chown nobody:nogroup "$dir/mail"
  cat > "$dir/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = peer.$domain
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = $domain
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 1
smtpd_recipient_restrictions = permit_mynetworks, reject
disable_dns_lookups = yes
smtp_dns_support_level = disabled
maillog_file = $dir/maillog
maillog_file_prefixes = /tmp, /var, /work, /dev/stdout
alias_maps =
alias_database =
${POSTFIX_EXTRA:-}
CONF
  sed -e "s/^smtp      inet/127.0.0.1:$port inet/" /etc/postfix/master.cf > "$dir/conf/master.cf"
  grep -q "^127.0.0.1:$port inet" "$dir/conf/master.cf" || {
    # Debian's master.cf spells the smtpd line with varying spacing.
    awk -v p="127.0.0.1:$port" '$1=="smtp" && $2=="inet" {$1=p} {print}' /etc/postfix/master.cf > "$dir/conf/master.cf"
  }
  cat >> "$dir/conf/master.cf" <<CONF
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
  postconf -c "$dir/conf" -F "*/*/chroot = n"
  postfix -c "$dir/conf" set-permissions >/dev/null 2>&1 || true
  postfix -c "$dir/conf" check >/dev/null 2>&1 || true
  script -qc "postfix -c $dir/conf start" /dev/null >"$dir/start.log" 2>&1 || true
  local i
  for i in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "postfix did not start" >&2; cat "$dir/maillog" >&2 2>/dev/null; return 1
}

postfix_stop() {
  local dir=$1 pid
  pid=$(head -1 "$dir/queue/pid/master.pid" 2>/dev/null | tr -d ' ') || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
