package org.postroom.smtp;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postroom.testsupport.TestEngine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interoperability with Python's smtplib, a second real client: ESMTP on smtp, AUTH on msa. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonSmtplibIntegrationTest {
    private TestEngine engine;

    @BeforeAll
    void start() {
        engine = TestEngine.start("");
    }

    @AfterAll
    void stop() {
        engine.close();
    }

    private static String python(String script, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "python3";
        cmd[1] = "-c";
        cmd[2] = script;
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 not available: " + e.getMessage());
            throw e;
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python3 finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void smtplibShouldDeliverEightBitMailOnTheSmtpListener() throws Exception {
        int port = SmtpListeners.port(engine, "smtp");
        String out = python("""
                import smtplib, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='py.example', timeout=10)
                code, _ = s.ehlo()
                assert code == 250 and s.has_extn('8bitmime') and s.has_extn('pipelining'), s.esmtp_features
                assert not s.has_extn('auth')
                body = 'Subject: from-python\\r\\n\\r\\nK\\u00f6ln\\r\\n.dot\\r\\n'.encode('utf-8')
                refused = s.sendmail('py@remote.example', ['alice@example.test'], body, mail_options=['BODY=8BITMIME'])
                assert refused == {}, refused
                try:
                    s.sendmail('py@remote.example', ['x@remote.example'], b'Subject: relay\\r\\n\\r\\nx\\r\\n')
                    print('RELAYED')
                except smtplib.SMTPRecipientsRefused as e:
                    print('REFUSED', e.recipients['x@remote.example'][0])
                s.quit()
                """, String.valueOf(port));
        assertEquals("REFUSED 554", out.trim());
        String stored = SmtpClients.find(engine.services().store(), "alice@example.test", "Subject: from-python");
        assertTrue(stored.endsWith("\n\nK\u00f6ln\n.dot\n"), stored);
    }

    @Test
    void smtplibShouldLogInOnTheMsaListener() throws Exception {
        int port = SmtpListeners.port(engine, "msa");
        String out = python("""
                import smtplib, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='py.example', timeout=10)
                s.ehlo()
                try:
                    s.login('bob@example.test', 'nope')
                    print('BAD-LOGIN-ACCEPTED')
                except smtplib.SMTPAuthenticationError as e:
                    print('DENIED', e.smtp_code)
                s.login('bob@example.test', 'bob-pw')
                s.sendmail('bob@example.test', ['demo@example.test'], b'Subject: py-msa\\r\\n\\r\\nhi\\r\\n')
                s.quit()
                print('SENT')
                """, String.valueOf(port));
        assertEquals("DENIED 535\nSENT", out.trim());
        SmtpClients.find(engine.services().store(), "demo@example.test", "Subject: py-msa");
    }
}
