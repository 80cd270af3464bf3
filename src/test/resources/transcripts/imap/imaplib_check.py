"""Python imaplib against Postroom's IMAP listener: python3 imaplib_check.py PORT USER PASSWORD."""
import imaplib
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port)
assert "IMAP4REV1" in m.capabilities, m.capabilities
typ, _ = m.login(user, password)
assert typ == "OK"
typ, data = m.append("INBOX", "(\\Flagged)", None, b"Subject: from python\r\nFrom: py@example.test\r\n\r\nhello from imaplib\r\n")
assert typ == "OK" and b"APPENDUID" in data[0], data
m.create("PyFolder")
typ, data = m.list()
assert any(b"PyFolder" in d for d in data), data
typ, data = m.select("INBOX")
assert typ == "OK" and int(data[0]) >= 1, data
typ, data = m.search(None, "SUBJECT", '"from python"')
num = data[0].split()[-1]
typ, data = m.fetch(num, "(FLAGS BODY.PEEK[TEXT] BODYSTRUCTURE)")
assert typ == "OK", data
assert data[0][1] == b"hello from imaplib\r\n", data
assert b"\\Flagged" in data[0][0], data
typ, data = m.uid("SEARCH", None, "FLAGGED")
uid = data[0].split()[-1]
typ, data = m.uid("COPY", uid, "PyFolder")
assert typ == "OK", data
m.store(num, "+FLAGS", "\\Deleted")
typ, data = m.expunge()
assert typ == "OK" and data[0] == num, data
typ, data = m.status("PyFolder", "(MESSAGES)")
assert b"MESSAGES 1" in data[0], data
m.logout()
print("imaplib OK")
