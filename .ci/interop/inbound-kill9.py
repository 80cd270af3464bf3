#!/usr/bin/env python3
"""Nothing lost at kill -9: 20 concurrent smtplib clients send numbered messages to Postroom while
the engine is killed with SIGKILL mid-run. Every message that got its 250 must be in the Maildir,
complete, and new/ must hold no partial file. Then what a power loss could do on top of that is simulated:
the Maildir files were written without fsync (the delivery journal made them durable), so every one is
emptied or deleted; the restarted engine must replay the journal and bring each accepted message back,
complete and once. Then it takes mail again. Bounded: at most 4000 messages or 60 seconds of sending."""
import os, re, signal, smtplib, socket, subprocess, sys, tempfile, threading, time, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAR = os.path.join(ROOT, "target", "postroom.jar")

def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports

def start(conf, log):
    p = subprocess.Popen(["java", "-jar", JAR, "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    return p

def wait_port(port, deadline=30):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("engine did not start")

work = tempfile.mkdtemp()
try:
    smtp_port, admin_port = free_ports(2)
    conf = os.path.join(work, "postroom.conf")
    with open(conf, "w") as f:
        f.write(f"""postroom {{
  hostname = "mail.example.test"
  data-dir = "{work}/data"
  local-domains = ["example.test"]
  accounts = [ {{ address = "demo@example.test", password = "demo" }} ]
  inbound {{
    smtp {{ bind = "127.0.0.1", port = {smtp_port}, max-sessions = 100 }}
    msa.enabled = false
    pop3.enabled = false
    imap.enabled = false
  }}
  multipop.interval = 1 hour
  # No checkpoint during the run: every accepted message stays in the journal for the replay check.
  store.journal {{ checkpoint-interval = 1 hour, segment-size = 64 MiB }}
  admin {{ bind = "127.0.0.1", port = {admin_port} }}
}}
""")
    log = open(os.path.join(work, "engine.log"), "w")
    engine = start(conf, log)
    wait_port(smtp_port)

    acked = set()
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(1, 4001))

    def client():
        while not stop.is_set():
            try:
                s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=10)
                s.ehlo("kill9.test")
                while not stop.is_set():
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    body = ("x" * 76 + "\r\n") * 50
                    msg = f"Subject: kill9 {n}\r\nX-Seq: {n}\r\n\r\n{body}end of {n}\r\n"
                    code, _ = s.data(msg) if s.mail("sender@elsewhere.test")[0] == 250 and \
                        s.rcpt("demo@example.test")[0] == 250 else (0, b"")
                    if code == 250:
                        with lock:
                            acked.add(n)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    end = time.time() + 60
    while time.time() < end and len(acked) < 300:
        time.sleep(0.05)
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    if len(acked) < 50:
        raise SystemExit(f"too few messages accepted before the kill ({len(acked)})")

    maildir = os.path.join(work, "data", "mail", "example.test", "demo")
    found = {}
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            m = re.search(rb"X-Seq: (\d+)", data)
            n = int(m.group(1))
            if not data.endswith(f"end of {n}\n".encode()):
                raise SystemExit(f"partial message visible in {sub}/: {name}")
            found[n] = name
    lost = sorted(acked - set(found))
    print(f"accepted with 250 before kill -9: {len(acked)}; in the Maildir: {len(found)}; lost: {len(lost)}")
    if lost:
        raise SystemExit(f"lost after kill -9: {lost[:20]}")

    # A power loss on top: the data of files written without fsync can be gone. Empty half, delete half.
    for i, n in enumerate(sorted(found)):
        name = found[n]
        path = os.path.join(maildir, "new", name)
        if i % 2:
            os.remove(path)
        else:
            open(path, "wb").close()

    engine = start(conf, log)
    wait_port(smtp_port)
    restored = {}
    for name in os.listdir(os.path.join(maildir, "new")):
        with open(os.path.join(maildir, "new", name), "rb") as f:
            data = f.read()
        n = int(re.search(rb"X-Seq: (\d+)", data).group(1))
        if not data.endswith(f"end of {n}\n".encode()):
            raise SystemExit(f"replay left a partial message: {name}")
        if n in restored:
            raise SystemExit(f"message {n} twice after the replay")
        restored[n] = name
    missing = sorted(acked - set(restored))
    print(f"after emptying/deleting every file and restarting: {len(restored)} restored by the journal replay; "
          f"accepted but missing: {len(missing)}")
    if missing:
        raise SystemExit(f"not restored by the journal: {missing[:20]}")
    s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=10)
    s.sendmail("sender@elsewhere.test", ["demo@example.test"], "Subject: after restart\r\n\r\nstill here\r\n")
    s.quit()
    engine.terminate()
    engine.wait(timeout=30)
    print("inbound-kill9: OK")
finally:
    shutil.rmtree(work, ignore_errors=True)
