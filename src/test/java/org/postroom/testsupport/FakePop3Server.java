package org.postroom.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small threaded POP3 server for tests (RFC 1939: USER, PASS, APOP, STAT, LIST, UIDL, RETR, DELE,
 * RSET, NOOP, QUIT, CAPA) on 127.0.0.1 and an ephemeral port, holding several mailboxes keyed by user.
 * It counts connections (now, peak, total), logins per user and concurrent sessions per maildrop
 * (a second session on a locked maildrop gets {@code -ERR}), and can be told to misbehave: hold the
 * first N greetings until N clients are connected, drop the connection at a given RETR, hide UIDL.
 * DELEs apply at QUIT only, as in the RFC; a dropped connection deletes nothing.
 */
public final class FakePop3Server implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-pop3");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger total = new AtomicInteger();
    private volatile CountDownLatch greetingGate = new CountDownLatch(0);
    private volatile Duration gateTimeout = Duration.ZERO;
    private volatile boolean offerApop;
    private volatile boolean uidlSupported = true;

    private static final class Mailbox {
        final String password;
        final List<String[]> messages = new ArrayList<>(); // {uid, crlf text}
        final AtomicInteger logins = new AtomicInteger();
        final AtomicInteger apopLogins = new AtomicInteger();
        final AtomicInteger sessions = new AtomicInteger();
        final AtomicInteger peakSessions = new AtomicInteger();
        volatile int dropAtRetr; // 0 = never; else drop the connection when the n-th RETR of a session arrives
        volatile boolean dropOnce = true;

        Mailbox(String password) {
            this.password = password;
        }
    }

    private final javax.net.ssl.SSLContext tls;
    private final boolean implicitTls;

    private FakePop3Server(javax.net.ssl.SSLContext tls, boolean implicitTls) throws IOException {
        this.tls = tls;
        this.implicitTls = implicitTls;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::acceptLoop);
    }

    public static FakePop3Server start() throws IOException {
        return new FakePop3Server(null, false);
    }

    /**
     * A server with TLS: {@code implicit} = TLS from the first byte (port 995 style), else plaintext
     * offering STLS (RFC 2595).
     */
    public static FakePop3Server startTls(javax.net.ssl.SSLContext tls, boolean implicit) throws IOException {
        return new FakePop3Server(tls, implicit);
    }

    private Socket wrap(Socket s) throws IOException {
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                .createSocket(s, null, s.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        return ssl;
    }

    public int port() {
        return server.getLocalPort();
    }

    public FakePop3Server mailbox(String user, String password) {
        mailboxes.put(user, new Mailbox(password));
        return this;
    }

    /** Adds a message (LF or CRLF text) with its UIDL to a user's maildrop. */
    public FakePop3Server message(String user, String uid, String text) {
        Mailbox m = mailboxes.get(user);
        String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        synchronized (m) {
            m.messages.add(new String[] {uid, crlf});
        }
        return this;
    }

    public List<String> uids(String user) {
        Mailbox m = mailboxes.get(user);
        synchronized (m) {
            return m.messages.stream().map(x -> x[0]).toList();
        }
    }

    public int logins(String user) {
        return mailboxes.get(user).logins.get();
    }

    public int apopLogins(String user) {
        return mailboxes.get(user).apopLogins.get();
    }

    public int peakSessionsOn(String user) {
        return mailboxes.get(user).peakSessions.get();
    }

    public int activeConnections() {
        return active.get();
    }

    public int peakConnections() {
        return peak.get();
    }

    public int totalConnections() {
        return total.get();
    }

    /** The first {@code parties} connections wait for each other (up to {@code timeout}) before their greeting. */
    public void holdGreetingsUntil(int parties, Duration timeout) {
        greetingGate = new CountDownLatch(parties);
        gateTimeout = timeout;
    }

    /** The next session of {@code user} is dropped when its {@code n}-th RETR arrives (once). */
    public void dropAtRetr(String user, int n) {
        Mailbox m = mailboxes.get(user);
        m.dropOnce = true;
        m.dropAtRetr = n;
    }

    public void offerApop(boolean offer) {
        offerApop = offer;
    }

    public void supportUidl(boolean supported) {
        uidlSupported = supported;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                int now = active.incrementAndGet();
                total.incrementAndGet();
                peak.accumulateAndGet(now, Math::max);
                threads.execute(() -> {
                    try {
                        serve(s);
                    } catch (IOException | InterruptedException ignored) {
                        // client went away or the server is closing
                    } finally {
                        active.decrementAndGet();
                        open.remove(s);
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // already closed
                        }
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) throws IOException, InterruptedException {
        s.setSoTimeout(30_000);
        CountDownLatch gate = greetingGate;
        gate.countDown();
        gate.await(gateTimeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean secure = false;
        if (tls != null && implicitTls) {
            s = wrap(s);
            secure = true;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        String stamp = "<" + System.nanoTime() + ".fake@127.0.0.1>";
        send(out, "+OK fake POP3 ready" + (offerApop ? " " + stamp : ""));
        String user = null;
        Mailbox box = null;
        List<String[]> snapshot = null;
        boolean[] deleted = null;
        int retrs = 0;
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ", 2);
                String verb = parts[0].toUpperCase();
                String arg = parts.length > 1 ? parts[1] : "";
                if (verb.equals("QUIT")) {
                    if (box != null) {
                        synchronized (box) {
                            for (int i = 0; i < snapshot.size(); i++) {
                                if (deleted[i]) {
                                    box.messages.remove(snapshot.get(i));
                                }
                            }
                        }
                    }
                    send(out, "+OK bye");
                    return;
                }
                if (verb.equals("CAPA")) {
                    send(out, "+OK\r\nUSER\r\n" + (uidlSupported ? "UIDL\r\n" : "")
                            + (tls != null && !secure ? "STLS\r\n" : "") + ".");
                    continue;
                }
                if (verb.equals("STLS")) {
                    if (tls == null || secure || box != null) {
                        send(out, "-ERR STLS not available");
                        continue;
                    }
                    send(out, "+OK begin TLS negotiation");
                    s = wrap(s);
                    secure = true;
                    in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    out = s.getOutputStream();
                    continue;
                }
                if (verb.equals("NOOP")) {
                    send(out, "+OK");
                    continue;
                }
                if (box == null) {
                    if (verb.equals("USER")) {
                        user = arg;
                        send(out, "+OK");
                    } else if (verb.equals("PASS") || verb.equals("APOP")) {
                        Mailbox m;
                        boolean good;
                        if (verb.equals("PASS")) {
                            m = user == null ? null : mailboxes.get(user);
                            good = m != null && m.password.equals(arg);
                        } else {
                            String[] a = arg.split(" ");
                            user = a[0];
                            m = mailboxes.get(user);
                            good = offerApop && m != null && a.length == 2 && a[1].equals(md5(stamp + m.password));
                        }
                        if (!good) {
                            send(out, "-ERR [AUTH] invalid login");
                            continue;
                        }
                        int sessions = m.sessions.incrementAndGet();
                        m.peakSessions.accumulateAndGet(sessions, Math::max);
                        if (sessions > 1) {
                            m.sessions.decrementAndGet();
                            send(out, "-ERR [IN-USE] maildrop locked");
                            continue;
                        }
                        m.logins.incrementAndGet();
                        if (verb.equals("APOP")) {
                            m.apopLogins.incrementAndGet();
                        }
                        box = m;
                        synchronized (m) {
                            snapshot = new ArrayList<>(m.messages);
                        }
                        deleted = new boolean[snapshot.size()];
                        send(out, "+OK maildrop has " + snapshot.size() + " messages");
                    } else {
                        send(out, "-ERR log in first");
                    }
                    continue;
                }
                switch (verb) {
                    case "STAT" -> {
                        int n = 0;
                        long size = 0;
                        for (int i = 0; i < snapshot.size(); i++) {
                            if (!deleted[i]) {
                                n++;
                                size += snapshot.get(i)[1].length();
                            }
                        }
                        send(out, "+OK " + n + " " + size);
                    }
                    case "UIDL", "LIST" -> {
                        if (verb.equals("UIDL") && !uidlSupported) {
                            send(out, "-ERR unknown command");
                            break;
                        }
                        StringBuilder sb = new StringBuilder("+OK\r\n");
                        for (int i = 0; i < snapshot.size(); i++) {
                            if (!deleted[i]) {
                                sb.append(i + 1).append(' ')
                                        .append(verb.equals("UIDL") ? snapshot.get(i)[0] : snapshot.get(i)[1].length())
                                        .append("\r\n");
                            }
                        }
                        send(out, sb.append('.').toString());
                    }
                    case "RETR" -> {
                        int n = number(arg, snapshot, deleted);
                        if (n < 0) {
                            send(out, "-ERR no such message");
                            break;
                        }
                        retrs++;
                        if (box.dropAtRetr > 0 && retrs == box.dropAtRetr && box.dropOnce) {
                            box.dropOnce = false;
                            box.dropAtRetr = 0;
                            s.close();
                            return;
                        }
                        String text = snapshot.get(n)[1];
                        StringBuilder sb = new StringBuilder("+OK message follows\r\n");
                        for (String l : text.split("\r\n", -1)) {
                            sb.append(l.startsWith(".") ? "." : "").append(l).append("\r\n");
                        }
                        // split() yields a last empty element for text ending in CRLF: drop its extra CRLF
                        if (text.endsWith("\r\n")) {
                            sb.setLength(sb.length() - 2);
                        }
                        send(out, sb.append('.').toString());
                    }
                    case "DELE" -> {
                        int n = number(arg, snapshot, deleted);
                        if (n < 0) {
                            send(out, "-ERR no such message");
                        } else {
                            deleted[n] = true;
                            send(out, "+OK deleted");
                        }
                    }
                    case "RSET" -> {
                        java.util.Arrays.fill(deleted, false);
                        send(out, "+OK");
                    }
                    default -> send(out, "-ERR unknown command");
                }
            }
        } finally {
            if (box != null) {
                box.sessions.decrementAndGet();
            }
        }
    }

    private static int number(String arg, List<String[]> snapshot, boolean[] deleted) {
        try {
            int n = Integer.parseInt(arg.trim()) - 1;
            return n >= 0 && n < snapshot.size() && !deleted[n] ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A port on 127.0.0.1 where nothing listens (bound, then closed). */
    public static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
