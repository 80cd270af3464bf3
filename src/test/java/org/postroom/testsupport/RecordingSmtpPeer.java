package org.postroom.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recording SMTP server for outbound tests, on a loopback address of choice (127.0.0.2, .3, .4 …)
 * so several peers share one port, as MX hosts do. It records every message with the connection that
 * carried it, the commands, and the number of connections (total, open now, most at once). It can be
 * told to stop listening (connections refused), to greet with 421, to answer 550 to some recipients,
 * and to take its time before the final DATA reply. Advertises PIPELINING, SIZE, 8BITMIME.
 */
public final class RecordingSmtpPeer implements AutoCloseable {

    public record Received(int connection, String sender, List<String> recipients, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final InetAddress address;
    private final int port;
    private volatile ServerSocket server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Map<Integer, AtomicInteger> perConnection = new ConcurrentHashMap<>();
    private final Set<String> rejected = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean greet421;
    private volatile Duration dataDelay = Duration.ZERO;
    private volatile javax.net.ssl.SSLContext tls;
    private volatile boolean brokenTls;
    private final List<String> tlsProtocols = new CopyOnWriteArrayList<>();

    private RecordingSmtpPeer(InetAddress address, int port) throws IOException {
        this.address = address;
        ServerSocket s = bind(address, port);
        this.port = s.getLocalPort();
        this.server = s;
        acceptLoop(s);
    }

    /** Starts listening on {@code ip} ("127.0.0.2"), port 0 for an ephemeral one. */
    public static RecordingSmtpPeer start(String ip, int port) throws IOException {
        return new RecordingSmtpPeer(InetAddress.getByName(ip), port);
    }

    public int port() {
        return port;
    }

    public String ip() {
        return address.getHostAddress();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<String> commands() {
        return List.copyOf(commands);
    }

    /** Messages per connection, in connection order (connections that carried none are left out). */
    public Map<Integer, Integer> messagesPerConnection() {
        Map<Integer, Integer> m = new java.util.TreeMap<>();
        perConnection.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public int connections() {
        return connections.get();
    }

    public int openConnections() {
        return open.get();
    }

    public int maxConcurrentConnections() {
        return maxOpen.get();
    }

    public RecordingSmtpPeer greet421(boolean on) {
        greet421 = on;
        return this;
    }

    public RecordingSmtpPeer rejectRecipient(String address) {
        rejected.add(address.toLowerCase(Locale.ROOT));
        return this;
    }

    /** Offers STARTTLS with this server context (null: not offered). */
    public RecordingSmtpPeer starttls(javax.net.ssl.SSLContext context) {
        tls = context;
        return this;
    }

    /** After answering STARTTLS with 220, sends garbage instead of a TLS handshake. */
    public RecordingSmtpPeer brokenTls(boolean on) {
        brokenTls = on;
        return this;
    }

    /** The TLS protocol of every connection switched to TLS ("TLSv1.3"). */
    public List<String> tlsProtocols() {
        return List.copyOf(tlsProtocols);
    }

    public RecordingSmtpPeer dataDelay(Duration d) {
        dataDelay = d;
        return this;
    }

    /** Closes the listening socket: new connections are refused. */
    public synchronized void stopListening() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Listens again on the same address and port. */
    public synchronized void listen() throws IOException {
        if (server == null) {
            ServerSocket s = bind(address, port);
            server = s;
            acceptLoop(s);
        }
    }

    private static ServerSocket bind(InetAddress address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port), 100);
        return s;
    }

    private void acceptLoop(ServerSocket s) {
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    int id = connections.incrementAndGet();
                    int now = open.incrementAndGet();
                    maxOpen.accumulateAndGet(now, Math::max);
                    sockets.add(c);
                    Thread h = new Thread(() -> serve(c, id), "smtp-peer-" + ip() + "-" + id);
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "smtp-peer-accept-" + address.getHostAddress());
        t.setDaemon(true);
        t.start();
    }

    private void serve(Socket c, int id) {
        try (c) {
            c.setTcpNoDelay(true);
            InputStream in = new java.io.BufferedInputStream(c.getInputStream());
            OutputStream out = c.getOutputStream();
            boolean secured = false;
            if (greet421) {
                reply(out, "421 4.3.2 peer.test Service not available");
                return;
            }
            reply(out, "220 peer.test ESMTP recording peer");
            String sender = null;
            List<String> rcpts = new ArrayList<>();
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                commands.add(id + " " + line);
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO")) {
                    out.write(("250-peer.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n"
                            + (tls != null && !secured ? "250-STARTTLS\r\n" : "")
                            + "250 ENHANCEDSTATUSCODES\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else if (upper.equals("STARTTLS") && tls != null && !secured) {
                    reply(out, "220 2.0.0 Ready to start TLS");
                    if (brokenTls) {
                        out.write("this is not a TLS handshake\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        return;
                    }
                    javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                            .createSocket(c, null, c.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    tlsProtocols.add(ssl.getSession().getProtocol());
                    in = new java.io.BufferedInputStream(ssl.getInputStream());
                    out = ssl.getOutputStream();
                    secured = true;
                    sender = null;
                    rcpts.clear();
                } else if (upper.startsWith("HELO")) {
                    reply(out, "250 peer.test");
                } else if (upper.startsWith("MAIL FROM:")) {
                    sender = between(line);
                    rcpts.clear();
                    reply(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    String r = between(line);
                    if (sender == null) {
                        reply(out, "503 5.5.1 MAIL first");
                    } else if (rejected.contains(r.toLowerCase(Locale.ROOT))) {
                        reply(out, "550 5.1.1 <" + r + ">: Recipient address rejected: User unknown");
                    } else {
                        rcpts.add(r);
                        reply(out, "250 2.1.5 Ok");
                    }
                } else if (upper.equals("DATA")) {
                    if (sender == null || rcpts.isEmpty()) {
                        reply(out, "554 5.5.1 Error: no valid recipients");
                        continue;
                    }
                    reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    byte[] data = readData(in);
                    if (data == null) {
                        return;
                    }
                    if (!dataDelay.isZero()) {
                        Thread.sleep(dataDelay.toMillis());
                    }
                    received.add(new Received(id, sender, List.copyOf(rcpts), data));
                    perConnection.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    sender = null;
                    rcpts.clear();
                    reply(out, "250 2.0.0 Ok: queued");
                } else if (upper.equals("RSET")) {
                    sender = null;
                    rcpts.clear();
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("NOOP")) {
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException | InterruptedException e) {
            // connection ended
        } finally {
            sockets.remove(c);
            open.decrementAndGet();
        }
    }

    private static String between(String line) {
        int lt = line.indexOf('<');
        int gt = line.indexOf('>', lt + 1);
        return lt >= 0 && gt > lt ? line.substring(lt + 1, gt) : line.substring(line.indexOf(':') + 1).trim();
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] l = b.toByteArray();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                return new String(l, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return null;
    }

    /** Reads the DATA payload up to CRLF.CRLF, unstuffing dots; null when the connection ended. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        while (true) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                b.write(c);
                if (c == '\n') {
                    break;
                }
            }
            if (c < 0) {
                return null;
            }
            byte[] l = b.toByteArray();
            if (l.length == 3 && l[0] == '.' && l[1] == '\r') {
                return msg.toByteArray();
            }
            if (l.length > 0 && l[0] == '.') {
                msg.write(l, 1, l.length - 1);
            } else {
                msg.write(l);
            }
        }
    }

    @Override
    public void close() throws IOException {
        stopListening();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}
