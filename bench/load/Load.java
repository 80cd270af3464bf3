import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The side-by-side load tool of bench/peers.sh: the same client dialogue against Postroom and against
 * its peer (Postfix, Dovecot), with per-operation latency. Plain JDK, one file, no dependencies:
 *
 * <pre>
 *   javac -d /tmp/load bench/load/Load.java && java -cp /tmp/load Load MODE host:port key=value...
 *   (or, slower to start: java bench/load/Load.java MODE host:port key=value...)
 * </pre>
 *
 * Modes (every run is bounded by count and by {@code timeout=} seconds; output is one line of
 * {@code key=value} pairs, the harness parses it):
 * <ul>
 *   <li>{@code smtp host:port sessions=20 messages=2000 size=4096 to=a@b from=c@d}: each session
 *       EHLOs once, then MAIL, RCPT, DATA, message, "." per message (no pipelining, as smtp-source),
 *       latency = MAIL sent to the final 250 read. {@code auth=user:password} logs in (AUTH PLAIN)
 *       first, for a submission port.</li>
 *   <li>{@code pop3 host:port clients=10 users=u1,u2 password=pw rounds=1}: login, STAT, RETR every
 *       message, QUIT; messages/s.</li>
 *   <li>{@code imap host:port clients=10 users=... password=pw rounds=1}: LOGIN, SELECT INBOX,
 *       FETCH 1:* (FLAGS ENVELOPE), FETCH n BODY.PEEK[] ×10, STORE, SEARCH, APPEND, IDLE/DONE,
 *       LOGOUT; operations/s (every tagged command is one operation).</li>
 *   <li>{@code imap-login host:port clients=10 logins=2000 users=... password=pw}: connect, LOGIN,
 *       LOGOUT; logins/s.</li>
 *   <li>{@code idle host:port count=10000 seconds=60}: opens count connections, reads each greeting,
 *       prints {@code held=N}, holds them for seconds (or until killed).</li>
 *   <li>{@code busy host:port probes=1000 expect=421}: sequential connections to a full listener,
 *       latency from connect() to the refusal line; checks the line starts with expect.</li>
 *   <li>{@code refuser host:port seconds=60}: the control for {@code busy}: one thread that accepts
 *       and at once writes "421 busy" and closes, nothing else (no framework, no decision); probing it
 *       under the same load shows what the machine alone adds to a refusal. Stops after seconds.</li>
 * </ul>
 */
public final class Load {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Load smtp|pop3|imap|imap-login|idle|busy host:port key=value...");
            System.exit(2);
        }
        Map<String, String> opt = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            opt.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(args[1].substring(0, colon),
                Integer.parseInt(args[1].substring(colon + 1)));
        long timeoutMs = Long.parseLong(opt.getOrDefault("timeout", "300")) * 1000;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(timeoutMs);
                System.out.println("error=timeout");
                System.exit(3);
            } catch (InterruptedException ignored) {
                // finished in time
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        switch (args[0]) {
            case "smtp" -> smtp(addr, opt);
            case "pop3" -> pop3(addr, opt);
            case "imap" -> imap(addr, opt);
            case "imap-login" -> imapLogin(addr, opt);
            case "idle" -> idle(addr, opt);
            case "busy" -> busy(addr, opt);
            case "refuser" -> refuser(addr, opt);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    // ---------------------------------------------------------------- shared

    /** Latencies in nanoseconds, collected per thread and merged. */
    static final class Latencies {
        private final ConcurrentLinkedQueue<long[]> parts = new ConcurrentLinkedQueue<>();

        void add(long[] part, int n) {
            parts.add(Arrays.copyOf(part, n));
        }

        String summary() {
            int total = parts.stream().mapToInt(p -> p.length).sum();
            long[] all = new long[total];
            int i = 0;
            for (long[] p : parts) {
                System.arraycopy(p, 0, all, i, p.length);
                i += p.length;
            }
            Arrays.sort(all);
            if (total == 0) {
                return "p50_ms=0 p99_ms=0 max_ms=0";
            }
            return String.format("p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", all[(int) (total * 0.50)] / 1e6,
                    all[Math.min(total - 1, (int) (total * 0.99))] / 1e6, all[total - 1] / 1e6);
        }
    }

    /**
     * A line-oriented connection with its own read buffer. Lines are found by scanning bytes, and a
     * POP3 message body is skipped without making a String per line: the client's own cost per message
     * is kept well below the servers' (it runs on the same cores, and it is the same for every server).
     */
    static final class Conn implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        private final byte[] buf = new byte[65536];
        private int pos;
        private int lim;

        Conn(InetSocketAddress addr) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(addr, 10_000);
            socket.setSoTimeout(60_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        private boolean fill() throws IOException {
            pos = 0;
            lim = Math.max(0, in.read(buf));
            return lim > 0;
        }

        String line() throws IOException {
            byte[] carried = null;
            int carriedLength = 0;
            while (true) {
                if (pos == lim && !fill()) {
                    throw new IOException("connection closed by the server");
                }
                int start = pos;
                while (pos < lim && buf[pos] != '\n') {
                    pos++;
                }
                if (pos < lim) {
                    int end = pos++;
                    if (carried == null) {
                        if (end > start && buf[end - 1] == '\r') {
                            end--;
                        }
                        return new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                    }
                    carried = append(carried, carriedLength, buf, start, end - start);
                    carriedLength += end - start;
                    if (carriedLength > 0 && carried[carriedLength - 1] == '\r') {
                        carriedLength--;
                    }
                    return new String(carried, 0, carriedLength, StandardCharsets.ISO_8859_1);
                }
                carried = append(carried == null ? new byte[256] : carried, carriedLength, buf, start, lim - start);
                carriedLength += lim - start;
            }
        }

        private static byte[] append(byte[] to, int length, byte[] from, int offset, int count) {
            if (length + count > to.length) {
                to = Arrays.copyOf(to, Math.max(to.length * 2, length + count));
            }
            System.arraycopy(from, offset, to, length, count);
            return to;
        }

        /** Skips a dot-terminated multi-line body (POP3), up to and including the "." line. */
        void skipDotTerminated() throws IOException {
            // state: 0 = at a line start, 1 = saw "." at a line start, 2 = saw ".\r", 3 = inside a line
            int state = 0;
            while (true) {
                if (pos == lim && !fill()) {
                    throw new IOException("connection closed in a multi-line reply");
                }
                while (pos < lim) {
                    byte b = buf[pos++];
                    if (b == '\n') {
                        if (state == 1 || state == 2) {
                            return;
                        }
                        state = 0;
                    } else if (state == 0 && b == '.') {
                        state = 1;
                    } else if (state == 1 && b == '\r') {
                        state = 2;
                    } else {
                        state = 3;
                    }
                }
            }
        }

        /** Skips exactly {@code n} bytes (an IMAP literal). */
        void skipBytes(long n) throws IOException {
            while (n > 0) {
                if (pos == lim && !fill()) {
                    throw new IOException("closed in literal");
                }
                int k = (int) Math.min(n, lim - pos);
                pos += k;
                n -= k;
            }
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        void send(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /** SMTP reply (multi-line aware); returns the last line. */
        String smtpReply() throws IOException {
            String l;
            do {
                l = line();
            } while (l.length() > 3 && l.charAt(3) == '-');
            return l;
        }

        String smtpExpect(String cmd, char first) throws IOException {
            if (cmd != null) {
                send(cmd + "\r\n");
            }
            String r = smtpReply();
            if (r.isEmpty() || r.charAt(0) != first) {
                throw new IOException("unexpected reply to " + cmd + ": " + r);
            }
            return r;
        }

        /** Reads lines up to and including the tagged completion; returns it. */
        String imapTagged(String tag) throws IOException {
            while (true) {
                String l = line();
                if (l.startsWith(tag + " ")) {
                    if (!l.startsWith(tag + " OK")) {
                        throw new IOException("IMAP " + l);
                    }
                    return l;
                }
                skipLiteral(l);
            }
        }

        /** Untagged line ending in {n}: read the literal and the rest of the line. */
        void skipLiteral(String l) throws IOException {
            while (l.endsWith("}")) {
                int open = l.lastIndexOf('{');
                if (open < 0) {
                    return;
                }
                skipBytes(Long.parseLong(l.substring(open + 1, l.length() - 1).replace("+", "")));
                l = line();
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    interface Worker {
        /** Runs one client; returns the operations it completed; records latencies. */
        long run(int index, long[] lat, int[] latCount) throws Exception;
    }

    /** Runs workers on threads; prints ops, seconds, ops/s, latency and errors. */
    static void runWorkers(int threads, int latCapacity, String unit, Worker w) throws InterruptedException {
        AtomicLong ops = new AtomicLong();
        AtomicInteger errors = new AtomicInteger();
        ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
        Latencies lat = new Latencies();
        List<Thread> ts = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                long[] l = new long[latCapacity];
                int[] n = {0};
                try {
                    ops.addAndGet(w.run(index, l, n));
                } catch (Exception e) {
                    errors.incrementAndGet();
                    if (firstErrors.size() < 3) {
                        firstErrors.add(String.valueOf(e.getMessage()).replace(' ', '_'));
                    }
                }
                lat.add(l, n[0]);
            });
            ts.add(t);
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s=%d seconds=%.3f per_s=%.1f %s errors=%d%s%n", unit, ops.get(), secs, ops.get() / secs,
                lat.summary(), errors.get(), firstErrors.isEmpty() ? "" : " first_error=" + firstErrors.peek());
    }

    static byte[] message(int size, String from, String to, String terminator) {
        String head = "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: load\r\nMessage-ID: <load@bench.test>\r\n\r\n";
        StringBuilder sb = new StringBuilder(head);
        String line = "x".repeat(76) + "\r\n";
        while (sb.length() + line.length() <= size) {
            sb.append(line);
        }
        while (sb.length() < size - 2) {
            sb.append('y');
        }
        sb.append("\r\n");
        return (sb + terminator).getBytes(StandardCharsets.US_ASCII);
    }

    static String[] users(Map<String, String> opt) {
        return opt.getOrDefault("users", "bench@example.test").split(",");
    }

    // ---------------------------------------------------------------- modes

    static void smtp(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int sessions = Integer.parseInt(opt.getOrDefault("sessions", "20"));
        int messages = Integer.parseInt(opt.getOrDefault("messages", "2000"));
        String from = opt.getOrDefault("from", "load@bench.test");
        String to = opt.getOrDefault("to", "bench@example.test");
        byte[] data = message(Integer.parseInt(opt.getOrDefault("size", "4096")), from, to, ".\r\n");
        String auth = opt.get("auth");
        AtomicInteger next = new AtomicInteger();
        runWorkers(sessions, messages, "messages", (index, lat, n) -> {
            long done = 0;
            try (Conn c = new Conn(addr)) {
                c.smtpExpect(null, '2');
                c.smtpExpect("EHLO load.bench.test", '2');
                if (auth != null) {
                    int colon = auth.indexOf(':');
                    String plain = java.util.Base64.getEncoder().encodeToString(("\0" + auth.substring(0, colon)
                            + "\0" + auth.substring(colon + 1)).getBytes(StandardCharsets.UTF_8));
                    c.smtpExpect("AUTH PLAIN " + plain, '2');
                }
                while (next.getAndIncrement() < messages) {
                    long t0 = System.nanoTime();
                    c.smtpExpect("MAIL FROM:<" + from + ">", '2');
                    c.smtpExpect("RCPT TO:<" + to + ">", '2');
                    c.smtpExpect("DATA", '3');
                    c.send(data);
                    c.smtpExpect(null, '2');
                    lat[n[0]++] = System.nanoTime() - t0;
                    done++;
                }
                c.smtpExpect("QUIT", '2');
            }
            return done;
        });
    }

    static void pop3(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int clients = Integer.parseInt(opt.getOrDefault("clients", "10"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "1"));
        String[] users = users(opt);
        String password = opt.getOrDefault("password", "bench");
        runWorkers(clients, 1 << 16, "messages", (index, lat, n) -> {
            long done = 0;
            String user = users[index % users.length];
            for (int r = 0; r < rounds; r++) {
                try (Conn c = new Conn(addr)) {
                    pop3Ok(c, null);
                    pop3Ok(c, "USER " + user);
                    pop3Ok(c, "PASS " + password);
                    String stat = pop3Ok(c, "STAT");
                    int count = Integer.parseInt(stat.split(" ")[1]);
                    for (int m = 1; m <= count; m++) {
                        long t0 = System.nanoTime();
                        pop3Ok(c, "RETR " + m);
                        c.skipDotTerminated();
                        if (n[0] < lat.length) {
                            lat[n[0]++] = System.nanoTime() - t0;
                        }
                        done++;
                    }
                    pop3Ok(c, "QUIT");
                }
            }
            return done;
        });
    }

    static String pop3Ok(Conn c, String cmd) throws IOException {
        if (cmd != null) {
            c.send(cmd + "\r\n");
        }
        String l = c.line();
        if (!l.startsWith("+OK")) {
            throw new IOException("POP3 " + cmd + ": " + l);
        }
        return l;
    }

    static void imap(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int clients = Integer.parseInt(opt.getOrDefault("clients", "10"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "1"));
        String[] users = users(opt);
        String password = opt.getOrDefault("password", "bench");
        byte[] append = message(Integer.parseInt(opt.getOrDefault("size", "4096")), "load@bench.test", "x@y", "");
        runWorkers(clients, 1 << 16, "operations", (index, lat, n) -> {
            long done = 0;
            String user = users[index % users.length];
            int[] tag = {0};
            for (int r = 0; r < rounds; r++) {
                try (Conn c = new Conn(addr)) {
                    c.line();
                    done += imapOp(c, tag, "LOGIN " + user + " " + password, lat, n);
                    done += imapOp(c, tag, "SELECT INBOX", lat, n);
                    done += imapOp(c, tag, "FETCH 1:* (FLAGS ENVELOPE)", lat, n);
                    for (int m = 1; m <= 10; m++) {
                        done += imapOp(c, tag, "FETCH " + m + " BODY.PEEK[]", lat, n);
                    }
                    done += imapOp(c, tag, "STORE 1:10 +FLAGS (\\Seen)", lat, n);
                    done += imapOp(c, tag, "STORE 1:10 -FLAGS (\\Seen)", lat, n);
                    done += imapOp(c, tag, "SEARCH UNSEEN", lat, n);
                    done += imapOp(c, tag, "SEARCH SUBJECT load", lat, n);
                    // APPEND with a synchronizing literal: wait for the continuation.
                    long t0 = System.nanoTime();
                    String t = "a" + (++tag[0]);
                    c.send(t + " APPEND INBOX {" + append.length + "}\r\n");
                    String cont = c.line();
                    if (!cont.startsWith("+")) {
                        throw new IOException("APPEND: " + cont);
                    }
                    c.send(append);
                    c.send("\r\n");
                    c.imapTagged(t);
                    lat[n[0]++] = System.nanoTime() - t0;
                    done++;
                    // IDLE: enter, see the continuation, leave.
                    t0 = System.nanoTime();
                    t = "a" + (++tag[0]);
                    c.send(t + " IDLE\r\n");
                    String l;
                    while (!(l = c.line()).startsWith("+")) {
                        if (l.startsWith(t + " ")) {
                            throw new IOException("IDLE: " + l);
                        }
                    }
                    c.send("DONE\r\n");
                    c.imapTagged(t);
                    lat[n[0]++] = System.nanoTime() - t0;
                    done++;
                    done += imapOp(c, tag, "LOGOUT", lat, n);
                }
            }
            return done;
        });
    }

    static int imapOp(Conn c, int[] tag, String cmd, long[] lat, int[] n) throws IOException {
        long t0 = System.nanoTime();
        String t = "a" + (++tag[0]);
        c.send(t + " " + cmd + "\r\n");
        c.imapTagged(t);
        if (n[0] < lat.length) {
            lat[n[0]++] = System.nanoTime() - t0;
        }
        return 1;
    }

    static void imapLogin(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int clients = Integer.parseInt(opt.getOrDefault("clients", "10"));
        int logins = Integer.parseInt(opt.getOrDefault("logins", "2000"));
        String[] users = users(opt);
        String password = opt.getOrDefault("password", "bench");
        AtomicInteger next = new AtomicInteger();
        runWorkers(clients, logins, "logins", (index, lat, n) -> {
            long done = 0;
            int i;
            while ((i = next.getAndIncrement()) < logins) {
                long t0 = System.nanoTime();
                try (Conn c = new Conn(addr)) {
                    c.line();
                    c.send("a1 LOGIN " + users[i % users.length] + " " + password + "\r\n");
                    c.imapTagged("a1");
                    c.send("a2 LOGOUT\r\n");
                    c.imapTagged("a2");
                }
                lat[n[0]++] = System.nanoTime() - t0;
                done++;
            }
            return done;
        });
    }

    static void idle(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int count = Integer.parseInt(opt.getOrDefault("count", "10000"));
        long seconds = Long.parseLong(opt.getOrDefault("seconds", "60"));
        List<SocketChannel> held = new ArrayList<>(count);
        ByteBuffer buf = ByteBuffer.allocate(512);
        long start = System.nanoTime();
        int failed = 0;
        String firstError = null;
        for (int i = 0; i < count; i++) {
            try {
                SocketChannel ch = SocketChannel.open(addr);
                ch.socket().setSoTimeout(10_000);
                buf.clear();
                // Blocking read of the greeting (the first line of it is enough).
                int r = ch.socket().getInputStream().read(buf.array());
                if (r <= 0) {
                    throw new IOException("closed before greeting");
                }
                String greeting = new String(buf.array(), 0, r, StandardCharsets.ISO_8859_1);
                if (greeting.startsWith("421") || greeting.startsWith("-ERR") || greeting.contains("BYE")) {
                    throw new IOException("refused: " + greeting.trim());
                }
                held.add(ch);
            } catch (IOException e) {
                failed++;
                if (firstError == null) {
                    firstError = String.valueOf(e.getMessage()).trim().replace(' ', '_');
                }
                if (failed > 100) {
                    break;
                }
            }
        }
        System.out.printf("held=%d failed=%d open_seconds=%.2f%s%n", held.size(), failed,
                (System.nanoTime() - start) / 1e9, firstError == null ? "" : " first_error=" + firstError);
        System.out.flush();
        Thread.sleep(seconds * 1000);
        for (SocketChannel ch : held) {
            ch.close();
        }
    }

    static void busy(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        int probes = Integer.parseInt(opt.getOrDefault("probes", "1000"));
        String expect = opt.getOrDefault("expect", "421");
        long[] lat = new long[probes];
        int n = 0;
        int wrong = 0;
        String firstWrong = null;
        long start = System.nanoTime();
        for (int i = 0; i < probes; i++) {
            long t0 = System.nanoTime();
            try (Conn c = new Conn(addr)) {
                String l = c.line();
                lat[n++] = System.nanoTime() - t0;
                if (!l.startsWith(expect)) {
                    wrong++;
                    if (firstWrong == null) {
                        firstWrong = l.replace(' ', '_');
                    }
                }
            }
        }
        Latencies all = new Latencies();
        all.add(lat, n);
        System.out.printf("probes=%d seconds=%.3f %s not_refused=%d%s%n", n, (System.nanoTime() - start) / 1e9,
                all.summary(), wrong, firstWrong == null ? "" : " first=" + firstWrong);
    }

    static void refuser(InetSocketAddress addr, Map<String, String> opt) throws Exception {
        long seconds = Long.parseLong(opt.getOrDefault("seconds", "60"));
        byte[] reply = "421 4.3.2 busy\r\n".getBytes(StandardCharsets.US_ASCII);
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()) {
            server.bind(addr, 1024);
            System.out.println("listening=" + addr.getPort());
            System.out.flush();
            Thread stopper = new Thread(() -> {
                try {
                    Thread.sleep(seconds * 1000);
                    server.close();
                } catch (Exception ignored) {
                    // closing ends the accept loop
                }
            });
            stopper.setDaemon(true);
            stopper.start();
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    c.write(ByteBuffer.wrap(reply));
                } catch (java.nio.channels.ClosedChannelException e) {
                    break;
                }
            }
        }
    }
}
