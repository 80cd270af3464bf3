#!/usr/bin/env python3
"""IMAP load: N concurrent clients (Python imaplib, one account each) run a desktop-client-like
round against a Postroom started from target/postroom.jar on loopback: LOGIN, SELECT INBOX,
FETCH 1:* (FLAGS), UID FETCH each message's BODY.PEEK[], STORE +FLAGS \\Seen on each, SEARCH UNSEEN,
SEARCH SUBJECT, APPEND one message, LOGOUT. Each mailbox is seeded with MESSAGES messages of SIZE
bytes written straight into the Maildir. Prints IMAP commands/s and fetched messages/s per client
count. Bounded: every run stops after --timeout seconds.

    bench/imap-load.py [--clients "1 10 50"] [--messages 100] [--size 4096] [--rounds 2]

The clients run on the same machine (and in one Python process), so with few cores they compete
with the server: the figures are a lower bound for the server.
"""
import argparse
import imaplib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APPENDED = b"From: load@example.test\r\nSubject: appended\r\n\r\n" + b"y" * 1000 + b"\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(maildir, count, size):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    line = "x" * 75 + "\n"
    for i in range(count):
        head = "From: load@example.test\nSubject: load %d\n\n" % i
        body = (line * (max(size - len(head), 0) // len(line) + 1))[: max(size - len(head), 0)]
        text = (head + body).encode()
        name = "%d.M%dP1Q%d.bench,S=%d,W=%d" % (1700000000 + i, i, i, len(text), len(text) + text.count(b"\n"))
        with open(os.path.join(maildir, "new", name), "wb") as f:
            f.write(text)


def check(typ, data):
    if typ != "OK":
        raise RuntimeError("%s %r" % (typ, data))
    return data


def client(port, user, rounds, result, deadline):
    commands = fetched = octets = 0
    try:
        for _ in range(rounds):
            if time.time() > deadline:
                break
            m = imaplib.IMAP4("127.0.0.1", port, timeout=60)
            check(*m.login(user, "bench"))
            check(*m.select("INBOX"))
            check(*m.fetch("1:*", "(FLAGS)"))
            commands += 3
            uids = check(*m.uid("SEARCH", None, "ALL"))[0].split()
            commands += 1
            for uid in uids:
                data = check(*m.uid("FETCH", uid, "(BODY.PEEK[])"))
                octets += len(data[0][1])
                fetched += 1
                check(*m.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)"))
                commands += 2
            check(*m.search(None, "UNSEEN"))
            check(*m.search(None, "SUBJECT", '"load 7"'))
            check(*m.append("INBOX", None, None, APPENDED))
            m.logout()
            commands += 4
        result.append((commands, fetched, octets, None))
    except Exception as e:  # reported, not hidden
        result.append((commands, fetched, octets, repr(e)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="1 10 50")
    ap.add_argument("--messages", type=int, default=100)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()
    counts = [int(c) for c in args.clients.split()]
    jar = os.path.join(ROOT, "target", "postroom.jar")
    if not os.path.exists(jar):
        subprocess.run(["mvn", "-B", "-q", "-DskipTests", "package"], cwd=ROOT, check=True)

    work = tempfile.mkdtemp(prefix="imap-load-")
    engine = None
    try:
        most = max(counts)
        imap, admin = free_port(), free_port()
        accounts = ",\n".join('{ address = "b%d@example.test", password = "bench" }' % i for i in range(most + 1))
        conf = os.path.join(work, "bench.conf")
        with open(conf, "w") as f:
            f.write("""postroom {
  hostname = "bench.example.test"
  data-dir = "%s/data"
  local-domains = ["example.test"]
  accounts = [ %s ]
  inbound {
    smtp.enabled = false
    msa.enabled = false
    pop3.enabled = false
    imap { bind = "127.0.0.1", port = %d, max-sessions = %d }
  }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = %d }
}
""" % (work, accounts, imap, most + 10, admin))
        for i in range(most + 1):
            seed(os.path.join(work, "data", "mail", "example.test", "b%d" % i), args.messages, args.size)
        log = open(os.path.join(work, "engine.log"), "w")
        engine = subprocess.Popen(["java", "-jar", jar, "--config", conf], stdout=log, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", imap), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

        # One unprinted round first (on its own account), so the JIT has compiled the hot paths.
        warm = []
        client(imap, "b%d@example.test" % most, 1, warm, time.time() + args.timeout)
        if warm and warm[0][3]:
            print("warm-up failed: %s" % warm[0][3])
            return 1
        print("imaplib -> Postroom IMAP, %d messages of %d bytes per mailbox, %d rounds, %s, %d cores"
              % (args.messages, args.size, args.rounds, time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
                 os.cpu_count()))
        print("%-8s %10s %10s %10s %10s %8s" % ("clients", "commands", "seconds", "cmd/s", "fetch/s", "MB/s"))
        failed = False
        for n in counts:
            result = []
            deadline = time.time() + args.timeout
            threads = [threading.Thread(target=client, args=(imap, "b%d@example.test" % i, args.rounds, result, deadline))
                       for i in range(n)]
            start = time.time()
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(deadline - time.time(), 0) + 5)
            secs = time.time() - start
            commands = sum(r[0] for r in result)
            fetched = sum(r[1] for r in result)
            octets = sum(r[2] for r in result)
            errors = [r[3] for r in result if r[3]]
            print("%-8d %10d %10.2f %10.0f %10.0f %8.1f" % (n, commands, secs, commands / secs, fetched / secs,
                                                           octets / secs / 1e6))
            if errors or len(result) < n:
                failed = True
                print("  errors: %d, unfinished: %d, first: %s" % (len(errors), n - len(result), errors[:1]))
        return 1 if failed else 0
    finally:
        if engine:
            engine.terminate()
            try:
                engine.wait(20)
            except subprocess.TimeoutExpired:
                engine.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
