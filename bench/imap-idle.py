#!/usr/bin/env python3
"""IMAP IDLE fan-out and memory: N sessions (one account) log in, SELECT INBOX and IDLE against a
Postroom started from target/postroom.jar on loopback. Reports the engine's resident memory before
and with the sessions open, then delivers one message into the mailbox (a file renamed into new/, as
an MDA does, plus an IMAP APPEND from another session) and measures how long until every idling
session has read its "* n EXISTS". Bounded by --timeout.

    bench/imap-idle.py [--sessions 500] [--timeout 120]
"""
import argparse
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_all(socks, needle, deadline):
    """Reads from every socket until each has sent a line containing needle; returns seconds taken."""
    sel = selectors.DefaultSelector()
    buffers = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        buffers[s] = b""
    start = time.time()
    pending = set(socks)
    while pending and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                raise RuntimeError("connection closed early: %r" % buffers[s][-200:])
            buffers[s] += data
            if needle in buffers[s] and s in pending:
                pending.discard(s)
                sel.unregister(s)
    for s in pending:
        sel.unregister(s)
    if pending:
        raise RuntimeError("%d sessions never saw %r" % (len(pending), needle))
    for s in socks:
        s.setblocking(True)
    return time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    deadline = time.time() + args.timeout
    jar = os.path.join(ROOT, "target", "postroom.jar")
    if not os.path.exists(jar):
        subprocess.run(["mvn", "-B", "-q", "-DskipTests", "package"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="imap-idle-")
    engine = None
    socks = []
    try:
        imap, admin = free_port(), free_port()
        conf = os.path.join(work, "bench.conf")
        with open(conf, "w") as f:
            f.write("""postroom {
  hostname = "bench.example.test"
  data-dir = "%s/data"
  local-domains = ["example.test"]
  accounts = [ { address = "idle@example.test", password = "bench" } ]
  inbound {
    smtp.enabled = false
    msa.enabled = false
    pop3.enabled = false
    imap { bind = "127.0.0.1", port = %d, max-sessions = %d }
  }
  multipop.interval = 1 hour
  admin { bind = "127.0.0.1", port = %d }
}
""" % (work, imap, args.sessions + 10, admin))
        maildir = os.path.join(work, "data", "mail", "example.test", "idle")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub))
        log = open(os.path.join(work, "engine.log"), "w")
        engine = subprocess.Popen(["java", "-jar", jar, "--config", conf], stdout=log, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", imap), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        before = rss_kib(engine.pid)
        for i in range(args.sessions):
            s = socket.create_connection(("127.0.0.1", imap), timeout=30)
            s.sendall(b"a LOGIN idle@example.test bench\r\nb SELECT INBOX\r\nc IDLE\r\n")
            socks.append(s)
        wait_all(socks, b"+ idling", deadline)
        time.sleep(1)
        during = rss_kib(engine.pid)

        name = "1700000000.M1P1Q1.bench"
        with open(os.path.join(maildir, "tmp", name), "w") as f:
            f.write("From: a@example.test\nSubject: fan-out\n\nhello\n")
        t0 = time.time()
        os.rename(os.path.join(maildir, "tmp", name), os.path.join(maildir, "new", name))
        # Postroom's own deliveries notify watchers; a file dropped by another program is seen at the
        # next sync, so a second session's APPEND (which notifies) stands in for the engine's delivery.
        other = socket.create_connection(("127.0.0.1", imap), timeout=30)
        msg = b"Subject: appended\r\n\r\nx\r\n"
        other.sendall(b"a LOGIN idle@example.test bench\r\nb APPEND INBOX {%d+}\r\n%s\r\nc LOGOUT\r\n" % (len(msg), msg))
        wait_all(socks, b"EXISTS\r\n", deadline)
        fan = time.time() - t0
        other.close()
        print("IMAP IDLE, %d sessions on one mailbox, %s, %d cores" % (
            args.sessions, time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count()))
        print("engine RSS: %d MiB idle, %d MiB with the sessions (%.1f KiB per session)" % (
            before // 1024, during // 1024, (during - before) / max(args.sessions, 1)))
        print("new mail announced to all %d idling sessions in %.3f s" % (args.sessions, fan))
        return 0
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        if engine:
            engine.terminate()
            try:
                engine.wait(20)
            except subprocess.TimeoutExpired:
                engine.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
