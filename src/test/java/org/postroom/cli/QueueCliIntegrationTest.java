package org.postroom.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.Main;
import org.postroom.testsupport.DnsTestServer;
import org.postroom.testsupport.TestEngine;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code postroom queue ...} and {@code postroom hosts ...} against a running engine, as an operator types
 * them. The engine's only MX is 127.0.0.5 (from a test DNS responder) on a port where nothing listens.
 */
class QueueCliIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final byte[] MESSAGE = ("From: alice@example.test\r\nTo: someone@remote.test\r\n"
            + "Subject: for the CLI\r\n\r\nHi.\r\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private DnsTestServer dns;
    private int closedPort;

    /** What one command printed and returned. */
    record Run(int exitCode, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.5");
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
            closedPort = s.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Path configFor(TestEngine engine) throws Exception {
        Path file = dir.resolve("postroom.conf");
        Files.writeString(file, "postroom { admin { bind = \"127.0.0.1\", port = " + engine.adminPort() + " } }\n");
        return file;
    }

    private static Run postroom(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void queueAndHostsCommandsShouldPrintTablesActAndExitOneForAnUnknownId() throws Exception {
        try (TestEngine engine = TestEngine.start("outbound { dns.servers = [\"" + dns.address() + "\"], remote-port = "
                + closedPort + ", failure-cache = 10 minutes, retry-schedule = [1 hour] }")) {
            String config = configFor(engine).toString();
            Run empty = postroom("queue", "list", "--config", config);
            assertEquals(0, empty.exitCode(), empty.err());
            assertEquals("The queue is empty.\n", empty.out());

            String id = engine.services().spool().enqueue("alice@example.test", List.of("someone@remote.test"), MESSAGE);
            await().atMost(WAIT).until(() -> postroom("queue", "list", "--config", config).out()
                    .contains("deferred   someone@remote.test  (1 attempt, next in "));
            Run list = postroom("queue", "list", "--config", config);
            assertEquals(0, list.exitCode());
            String[] lines = list.out().split("\n");
            assertTrue(lines[0].startsWith("ID "), list.out());
            assertTrue(lines[0].contains("SIZE") && lines[0].contains("AGE") && lines[0].contains("ATTEMPTS")
                    && lines[0].contains("NEXT ATTEMPT") && lines[0].contains("SENDER"), list.out());
            assertTrue(lines[1].startsWith(id) && lines[1].contains(" " + MESSAGE.length + " ")
                    && lines[1].endsWith("alice@example.test"), list.out());
            assertEquals("-- 1 message, 1 recipient to deliver", lines[lines.length - 1]);

            Run show = postroom("queue", "show", id, "--config", config);
            assertEquals(0, show.exitCode(), show.err());
            assertTrue(show.out().startsWith("Message  " + id + "\nSender   alice@example.test\n"), show.out());
            assertTrue(show.out().contains("  Subject: for the CLI\n"), show.out());
            assertTrue(show.out().contains("last: "), show.out());

            Run hosts = postroom("hosts", "--config", config);
            assertEquals(0, hosts.exitCode(), hosts.err());
            assertTrue(hosts.out().startsWith("Per-IP connection limit: unlimited"), hosts.out());
            assertTrue(hosts.out().contains("\n127.0.0.5 "), hosts.out());

            Run forget = postroom("hosts", "forget", "127.0.0.5", "--config", config);
            assertEquals(0, forget.exitCode(), forget.err());
            assertTrue(forget.out().startsWith("127.0.0.5: cached failure forgotten"), forget.out());
            Run again = postroom("hosts", "forget", "127.0.0.5", "--config", config);
            assertEquals(1, again.exitCode());
            assertTrue(again.err().contains("no cached failure for 127.0.0.5"), again.err());
            assertTrue(postroom("hosts", "--config", config).out().contains("No cached connection failures."));

            Run retry = postroom("queue", "retry", id, "--config", config);
            assertEquals(0, retry.exitCode(), retry.err());
            assertEquals(id + ": 1 recipient(s) to be tried now.\n", retry.out());
            await().atMost(WAIT).until(() -> postroom("queue", "list", "--config", config).out().contains("(2 attempts"));

            Run flush = postroom("queue", "flush", "--config", config);
            assertEquals(0, flush.exitCode(), flush.err());
            assertTrue(flush.out().startsWith("Queue flushed: 1 deferred recipient(s) of 1 message(s) made ready"), flush.out());

            Run delete = postroom("queue", "delete", id, "--config", config);
            assertEquals(0, delete.exitCode(), delete.err());
            assertEquals(id + ": deleted (1 undelivered recipient(s) dropped, no bounce).\n", delete.out());
            assertEquals("The queue is empty.\n", postroom("queue", "list", "--config", config).out());

            for (String verb : new String[]{"show", "retry", "delete"}) {
                Run unknown = postroom("queue", verb, id, "--config", config);
                assertEquals(1, unknown.exitCode(), verb);
                assertTrue(unknown.err().contains("no queued message " + id), unknown.err());
                assertEquals("", unknown.out());
            }
        }
    }

    /** The queue ids {@code queue list} printed, in order (the lines that are not header, recipient or summary). */
    static List<String> ids(String out) {
        return states(out).keySet().stream().toList();
    }

    /** Each listed message's first recipient state, by queue id, in the order printed. */
    static Map<String, String> states(String out) {
        Map<String, String> states = new LinkedHashMap<>();
        String id = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("    ") && id != null) {
                states.putIfAbsent(id, line.trim().split(" +")[0]);
            } else if (!line.isEmpty() && !line.startsWith("ID ") && !line.startsWith("-- ") && !line.startsWith(" ")) {
                id = line.split(" +")[0];
                assertFalse(states.containsKey(id), "listed twice: " + id);
                states.put(id, null);
            }
        }
        return states;
    }

    private static List<String> select(Map<String, String> states, String state, Set<String> among) {
        return states.entrySet().stream().filter(e -> e.getValue().equals(state) && among.contains(e.getKey()))
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void queueListShouldWalkA120MessageQueueByPagesFilterLimitAndExitTwoForAFilterTheEngineRefuses() throws Exception {
        dns.mx("other.test", 10, "mx.remote.test");
        try (TestEngine engine = TestEngine.start("outbound { dns.servers = [\"" + dns.address() + "\"], remote-port = "
                + closedPort + ", failure-cache = 10 minutes, retry-schedule = [1 hour] }")) {
            String config = configFor(engine).toString();
            Set<String> all = new TreeSet<>();
            Set<String> other = new TreeSet<>();
            for (int i = 0; i < 120; i++) {
                String rcpt = "u" + i + (i % 5 == 0 ? "@other.test" : "@remote.test");
                String id = engine.services().spool().enqueue("alice@example.test", List.of(rcpt), MESSAGE);
                all.add(id);
                if (i % 5 == 0) {
                    other.add(id);
                }
            }
            // Settled: each message tried once (deferred) or skipped for the cached address (held); then
            // nothing changes for an hour (retry schedule, delivery interval, failure cache).
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Run r = postroom("queue", "list", "--config", config);
                return r.exitCode() == 0 && r.out().endsWith("\n-- 120 messages, 120 recipients to deliver\n")
                        && states(r.out()).values().stream().allMatch(s -> s.equals("deferred") || s.equals("held"));
            });

            // No options: every message, in queue-id order, the summary as before paging.
            Run whole = postroom("queue", "list", "--config", config);
            assertEquals(0, whole.exitCode(), whole.err());
            assertEquals(new ArrayList<>(all), ids(whole.out()));
            assertTrue(whole.out().startsWith("ID "), whole.out());
            assertTrue(whole.out().endsWith("\n-- 120 messages, 120 recipients to deliver\n"));
            Map<String, String> states = states(whole.out());

            // The same listing walked in pages of 50 (each answer holds at most 50: three requests).
            Run paged = postroom("queue", "list", "--page-size", "50", "--config", config);
            assertEquals(0, paged.exitCode(), paged.err());
            assertEquals(states, states(paged.out()));
            assertEquals(1, paged.out().split("(^|\n)ID ", -1).length - 1, "one header");
            assertTrue(paged.out().endsWith("\n-- 120 messages, 120 recipients to deliver\n"));

            // By domain: exact, and the leading-dot form for subdomains.
            Run byDomain = postroom("queue", "list", "--domain", "other.test", "--page-size", "10", "--config", config);
            assertEquals(0, byDomain.exitCode(), byDomain.err());
            assertEquals(new ArrayList<>(other), ids(byDomain.out()));
            assertTrue(byDomain.out().endsWith("\n-- 24 messages, 24 recipients to deliver\n"), byDomain.out());
            assertEquals(new ArrayList<>(all), ids(postroom("queue", "list", "--domain", ".test", "--config", config).out()));
            Run none = postroom("queue", "list", "--domain", ".other.test", "--config", config);
            assertEquals(0, none.exitCode(), none.err());
            assertEquals("No queued message matches.\n", none.out());

            // By state: the same split as the whole listing shows; several states; state and domain at once.
            List<String> deferred = select(states, "deferred", all);
            List<String> held = select(states, "held", all);
            assertFalse(deferred.isEmpty(), "the first tries were refused");
            assertFalse(held.isEmpty(), "the rest were skipped for the cached address");
            assertEquals(deferred, ids(postroom("queue", "list", "--state", "deferred", "--config", config).out()));
            assertEquals(held, ids(postroom("queue", "list", "--state", "held", "--page-size", "25",
                    "--config", config).out()));
            assertEquals(new ArrayList<>(all), ids(postroom("queue", "list", "--state", "deferred", "--state", "held",
                    "--config", config).out()));
            assertEquals(select(states, "held", other), ids(postroom("queue", "list", "--state", "held",
                    "--domain", "other.test", "--page-size", "5", "--config", config).out()));

            // --limit: the first N, said so in the summary, whatever the page size.
            List<String> first7 = new ArrayList<>(all).subList(0, 7);
            for (String pageSize : new String[]{"500", "3"}) {
                Run seven = postroom("queue", "list", "--limit", "7", "--page-size", pageSize, "--config", config);
                assertEquals(0, seven.exitCode(), seven.err());
                assertEquals(first7, ids(seven.out()));
                assertTrue(seven.out().endsWith("\n-- 7 messages, 7 recipients to deliver (the first 7 of 120)\n"),
                        seven.out());
            }
            Run limitedOther = postroom("queue", "list", "--limit", "7", "--domain", "other.test", "--config", config);
            assertEquals(new ArrayList<>(other).subList(0, 7), ids(limitedOther.out()));
            assertTrue(limitedOther.out().endsWith("(the first 7 of 24)\n"), limitedOther.out());

            // A filter the engine refuses: its message on stderr, exit 2, nothing on stdout.
            Run bogus = postroom("queue", "list", "--state", "bogus", "--config", config);
            assertEquals(2, bogus.exitCode());
            assertTrue(bogus.err().startsWith("postroom: unknown state bogus (known: ready, deferred, held, in-flight, "
                    + "delivered, failed"), bogus.err());
            assertEquals("", bogus.out());
            Run address = postroom("queue", "list", "--domain", "u1@other.test", "--config", config);
            assertEquals(2, address.exitCode());
            assertTrue(address.err().startsWith("postroom: domain must be a domain name"), address.err());
        }
    }

    @Test
    void aCommandShouldExitOneWhenNoEngineAnswersAndTwoForABadConfig() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("nobody.conf");
        Files.writeString(file, "postroom { admin { bind = \"127.0.0.1\", port = " + port + " } }\n");
        Run none = postroom("queue", "list", "--config", file.toString());
        assertEquals(1, none.exitCode());
        assertTrue(none.err().contains("no engine answering"), none.err());

        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "postroom { admin { port = lots } }\n");
        Run badRun = postroom("hosts", "--config", bad.toString());
        assertEquals(2, badRun.exitCode());
        assertTrue(badRun.err().contains("admin.port"), badRun.err());
        assertFalse(badRun.err().isEmpty());
    }
}
