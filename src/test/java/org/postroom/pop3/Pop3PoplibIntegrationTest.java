package org.postroom.pop3;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.testsupport.TestEngine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end with Python's {@code poplib}, a second real client: CAPA, USER/PASS, APOP, STAT, LIST,
 * UIDL, TOP, RETR (with dot-stuffed lines), DELE and QUIT, then a new session sees the deletion.
 * Skipped when no {@code python3} is on the PATH.
 */
class Pop3PoplibIntegrationTest {
    private static final String SCRIPT = """
            import poplib, sys
            host, port = sys.argv[1], int(sys.argv[2])

            p = poplib.POP3(host, port, timeout=10)
            caps = p.capa()
            for c in ("TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "IMPLEMENTATION"):
                assert c in caps, (c, caps)
            p.user("alice@example.test")
            p.pass_("alice-pw")
            count, size = p.stat()
            assert count == 3, count
            resp, listing, octets = p.list()
            sizes = [int(l.split()[1]) for l in listing]
            assert sum(sizes) == size, (sizes, size)
            resp, uids, octets = p.uidl()
            uids = [u.split()[1] for u in uids]
            assert len(set(uids)) == 3, uids
            for n in range(1, 4):
                resp, lines, octets = p.retr(n)
                assert b"Subject: message %d" % n in lines, lines
                assert sum(len(l) + 2 for l in lines) == sizes[n - 1], (n, lines, sizes)
            resp, lines, octets = p.retr(2)
            assert lines[-3:] == [b".dotted", b".", b"end"], lines  # poplib undoes the dot-stuffing
            resp, lines, octets = p.top(3, 0)
            assert lines[-1] == b"" and b"Subject: message 3" in lines, lines
            p.dele(1)
            try:
                p.retr(1)
                raise AssertionError("RETR of a deleted message must fail")
            except poplib.error_proto as e:
                assert b"deleted" in e.args[0], e
            print(p.quit().decode())

            p = poplib.POP3(host, port, timeout=10)
            try:
                p.apop("alice@example.test", "alice-pw")
                count, size = p.stat()
                assert count == 2, count
                resp, uids2, octets = p.uidl()
                assert [u.split()[1] for u in uids2] == uids[1:], (uids2, uids)
            finally:
                p.quit()

            p = poplib.POP3(host, port, timeout=10)
            p.user("alice@example.test")
            try:
                p.pass_("wrong")
                raise AssertionError("a wrong password must fail")
            except poplib.error_proto as e:
                assert e.args[0].startswith(b"-ERR [AUTH]"), e
            p.quit()
            print("POPLIB OK")
            """;

    @Test
    void pythonPoplibShouldReadDeleteAndSeeTheDeletion(@TempDir Path temp) throws Exception {
        Assumptions.assumeTrue(hasPython(), "python3 not available");
        try (TestEngine engine = TestEngine.start("")) {
            for (int n = 1; n <= 3; n++) {
                String body = n == 2 ? "text\n.dotted\n.\nend\n" : "text " + n + "\n";
                engine.services().store().deliver("alice@example.test",
                        ("From: bob@example.test\nSubject: message " + n + "\n\n" + body).getBytes(StandardCharsets.UTF_8));
            }
            Path script = temp.resolve("poplib_e2e.py");
            Files.writeString(script, SCRIPT);
            Process p = new ProcessBuilder("python3", script.toString(), "127.0.0.1", String.valueOf(engine.port("pop3")))
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "poplib script finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("POPLIB OK"), out);
            assertTrue(out.contains("+OK mail.example.test POP3 server signing off"), out);
        }
    }

    private static boolean hasPython() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
