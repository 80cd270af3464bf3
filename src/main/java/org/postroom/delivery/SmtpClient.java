package org.postroom.delivery;

import org.postroom.queue.DeliveryOutcome;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The client side of one outbound SMTP connection (RFC 5321), blocking: greeting, EHLO (HELO
 * fallback), then transactions MAIL/RCPT/DATA, pipelined when the server offers PIPELINING (RFC 2920),
 * with SIZE and BODY=8BITMIME when offered, RSET before every transaction after the first (in the
 * same pipelined group), QUIT.
 * Works on any pair of streams, so the conversation is unit-tested without a socket; {@link #connect}
 * opens the socket. Runs on the outbound I/O dispatcher, never on an actor thread. Not thread-safe.
 *
 * <p>{@link #connect} and {@link #handshake} tell a failed connection in DESIGN.md's sense
 * ({@link ConnectionFailed}: refused, connect or greeting timeout, closed before or right after the
 * greeting, 421/554 greeting) from other trouble.
 *
 * <p>TLS is opportunistic (RFC 3207, like Postfix's "may" level): when the server offers STARTTLS the
 * connection is switched to TLS (1.2 or 1.3, certificate not verified: MX TLS without DANE/MTA-STS
 * only protects against passive listeners), and EHLO is repeated. If the handshake fails,
 * {@link #connect} dials again in plaintext, so a broken TLS setup never blocks mail.
 */
public final class SmtpClient implements AutoCloseable {

    public sealed interface OpenResult permits Opened, ConnectionFailed, TlsFailed {}

    public record Opened(SmtpClient client) implements OpenResult {}

    /**
     * The connection could not be used. {@code cacheable}: a failed connection as DESIGN.md defines it,
     * which goes into the failure cache.
     */
    public record ConnectionFailed(String reason, boolean cacheable) implements OpenResult {}

    /**
     * Per-recipient outcomes of one transaction, and whether the connection may carry another.
     * {@code stale}: a reused connection turned out dead before the transaction began (the RSET
     * failed); nothing was attempted and the caller should dial again.
     */
    public record TransactionResult(Map<String, DeliveryOutcome> outcomes, boolean reusable, boolean stale) {
        public TransactionResult(Map<String, DeliveryOutcome> outcomes, boolean reusable) {
            this(outcomes, reusable, false);
        }
    }

    private static final Duration DATA_FINAL_TIMEOUT = Duration.ofMinutes(10);

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean startTlsOffered;
    private String tlsProtocol;
    private final Duration commandTimeout;
    private SmtpReplyDecoder decoder = new SmtpReplyDecoder();
    private final byte[] buf = new byte[8192];
    /** The last {@link #TRANSCRIPT_LINES} lines: a kept connection carries thousands of messages. */
    private final java.util.ArrayDeque<String> transcript = new java.util.ArrayDeque<>();
    static final int TRANSCRIPT_LINES = 100;
    private boolean pipelining;
    private boolean eightBitMime;
    private long maxSize;
    private boolean sizeOffered;
    private int transactions;

    SmtpClient(Socket socket, InputStream in, OutputStream out, Duration commandTimeout) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Dials {@code address} ({@code serverName} for SNI), reads the greeting, says EHLO and switches to
     * TLS when offered; falls back to a plaintext connection when the TLS handshake fails.
     */
    public static OpenResult connect(InetSocketAddress address, String serverName, Duration connectTimeout,
                                     Duration commandTimeout, String heloName) {
        return connect(address, serverName, connectTimeout, commandTimeout, heloName, "opportunistic");
    }

    /**
     * As {@link #connect(InetSocketAddress, String, Duration, Duration, String)} with a STARTTLS policy
     * ({@code outbound.tls}): "off" never starts TLS; "opportunistic" uses it when offered and falls back
     * to plaintext; "required" gives up on a host that does not offer STARTTLS or fails the handshake
     * (not a failed connection for the failure cache: the host is fine, it just does not do TLS).
     */
    public static OpenResult connect(InetSocketAddress address, String serverName, Duration connectTimeout,
                                     Duration commandTimeout, String heloName, String tlsPolicy) {
        if (tlsPolicy.equals("off")) {
            return connect(address, serverName, connectTimeout, commandTimeout, heloName, false);
        }
        OpenResult r = connect(address, serverName, connectTimeout, commandTimeout, heloName, true);
        if (tlsPolicy.equals("required")) {
            if (r instanceof TlsFailed f) {
                return new ConnectionFailed("TLS required: " + f.reason(), false);
            }
            if (r instanceof Opened o && o.client().tlsProtocol() == null) {
                o.client().close();
                return new ConnectionFailed("TLS required: " + describe(address) + " does not offer STARTTLS", false);
            }
            return r;
        }
        if (r instanceof TlsFailed) {
            return connect(address, serverName, connectTimeout, commandTimeout, heloName, false);
        }
        return r;
    }

    /** Dials {@code address}, reads the greeting and says EHLO, without TLS. */
    public static OpenResult connect(InetSocketAddress address, Duration connectTimeout, Duration commandTimeout,
                                     String heloName) {
        return connect(address, null, connectTimeout, commandTimeout, heloName, false);
    }

    /** Internal: the TLS handshake failed; the caller dials again without TLS. */
    private record TlsFailed(String reason) implements OpenResult {}

    private static OpenResult connect(InetSocketAddress address, String serverName, Duration connectTimeout,
                                      Duration commandTimeout, String heloName, boolean tls) {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            return new ConnectionFailed("connect to " + describe(address) + " timed out", true);
        } catch (ConnectException e) {
            closeQuietly(s);
            return new ConnectionFailed("connect to " + describe(address) + " refused", true);
        } catch (IOException e) {
            closeQuietly(s);
            return new ConnectionFailed("connect to " + describe(address) + " failed: " + e.getMessage(), true);
        }
        try {
            SmtpClient c = new SmtpClient(s, s.getInputStream(), s.getOutputStream(), commandTimeout);
            OpenResult r = c.handshake(heloName);
            if (r instanceof Opened && tls && c.startTlsOffered) {
                r = c.startTls(serverName == null ? address.getHostString() : serverName, address.getPort(), heloName);
            }
            if (!(r instanceof Opened)) {
                c.close();
            }
            return r;
        } catch (IOException e) {
            closeQuietly(s);
            return new ConnectionFailed(describe(address) + ": " + e.getMessage(), true);
        }
    }

    /** Greeting and EHLO/HELO on an open stream pair. */
    public OpenResult handshake(String heloName) {
        SmtpReply greeting;
        try {
            greeting = read(commandTimeout);
        } catch (SocketTimeoutException e) {
            return new ConnectionFailed("greeting timed out", true);
        } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
            return new ConnectionFailed("closed before greeting: " + e.getMessage(), true);
        }
        if (greeting.code() == 421 || greeting.code() == 554) {
            quitQuietly();
            return new ConnectionFailed("greeting " + greeting.summary(), true);
        }
        if (greeting.code() != 220) {
            quitQuietly();
            return new ConnectionFailed("greeting " + greeting.summary(), false);
        }
        try {
            SmtpReply ehlo = command("EHLO " + heloName);
            if (ehlo.code() == 421) {
                return new ConnectionFailed("EHLO: " + ehlo.summary(), true);
            }
            if (ehlo.code() == 250) {
                parseExtensions(ehlo);
                return new Opened(this);
            }
            SmtpReply helo = command("HELO " + heloName);
            if (helo.code() == 250) {
                return new Opened(this);
            }
            quitQuietly();
            return new ConnectionFailed("HELO: " + helo.summary(), helo.code() == 421);
        } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
            // Closing right after the greeting counts as a failed connection too.
            return new ConnectionFailed("closed after greeting: " + e.getMessage(), true);
        }
    }

    /** STARTTLS, the handshake, and EHLO again (RFC 3207 §4.2: forget what was learnt before). */
    private OpenResult startTls(String serverName, int port, String heloName) {
        try {
            SmtpReply r = command("STARTTLS");
            if (r.code() != 220) {
                return new Opened(this);
            }
            if (decoder.buffered() > 0) {
                // Plaintext behind the 220 would be taken for TLS data or, worse, for replies
                // after the switch (response injection): drop this connection.
                return new TlsFailed("plaintext sent after the 220 to STARTTLS");
            }
        } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
            return new ConnectionFailed("STARTTLS: " + e.getMessage(), false);
        }
        try {
            javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) OpportunisticTls.CONTEXT.getSocketFactory()
                    .createSocket(socket, serverName, port, true);
            ssl.setUseClientMode(true);
            ssl.setEnabledProtocols(OpportunisticTls.protocols(ssl.getSupportedProtocols()));
            ssl.startHandshake();
            socket = ssl;
            in = ssl.getInputStream();
            out = ssl.getOutputStream();
            tlsProtocol = ssl.getSession().getProtocol();
            note("-- TLS " + tlsProtocol);
        } catch (IOException e) {
            return new TlsFailed("TLS handshake failed: " + e.getMessage());
        }
        decoder = new SmtpReplyDecoder();
        pipelining = false;
        eightBitMime = false;
        sizeOffered = false;
        maxSize = 0;
        startTlsOffered = false;
        try {
            SmtpReply ehlo = command("EHLO " + heloName);
            if (ehlo.code() != 250) {
                return new ConnectionFailed("EHLO after STARTTLS: " + ehlo.summary(), false);
            }
            parseExtensions(ehlo);
            return new Opened(this);
        } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
            return new TlsFailed("closed after TLS handshake: " + e.getMessage());
        }
    }

    /** The TLS protocol in use ("TLSv1.3"), or null for plaintext. */
    public String tlsProtocol() {
        return tlsProtocol;
    }

    private void parseExtensions(SmtpReply ehlo) {
        for (int i = 1; i < ehlo.lines().size(); i++) {
            String[] words = ehlo.lines().get(i).trim().split("\\s+");
            String kw = words[0].toUpperCase(Locale.ROOT);
            switch (kw) {
                case "PIPELINING" -> pipelining = true;
                case "8BITMIME" -> eightBitMime = true;
                case "STARTTLS" -> startTlsOffered = true;
                case "SIZE" -> {
                    sizeOffered = true;
                    if (words.length > 1) {
                        try {
                            maxSize = Long.parseLong(words[1]);
                        } catch (NumberFormatException e) {
                            maxSize = 0;
                        }
                    }
                }
                default -> { }
            }
        }
    }

    public boolean pipelining() {
        return pipelining;
    }

    public boolean eightBitMime() {
        return eightBitMime;
    }

    public boolean sizeOffered() {
        return sizeOffered;
    }

    /** The last lines sent (C:) and received (S:), for tests and debugging. */
    public List<String> transcript() {
        return List.copyOf(transcript);
    }

    /**
     * One transaction: the message (CRLF, not yet dot-stuffed) to the recipients. Never throws: a
     * broken connection defers the recipients not yet answered and makes the client not reusable.
     * With PIPELINING, a transaction after the first sends RSET, MAIL, RCPT and DATA as one group
     * (RFC 2920 lets RSET open it), so a message costs two round trips, not three.
     */
    public TransactionResult send(String sender, List<String> recipients, byte[] message) {
        Map<String, DeliveryOutcome> outcomes = new LinkedHashMap<>();
        boolean eight = DotStuffing.has8Bit(message);
        if (sizeOffered && maxSize > 0 && message.length > maxSize) {
            for (String r : recipients) {
                outcomes.put(r, new DeliveryOutcome.Failed("552 5.3.4 message size " + message.length
                        + " exceeds the remote limit " + maxSize));
            }
            return new TransactionResult(outcomes, true);
        }
        String mail = "MAIL FROM:<" + sender + ">" + (sizeOffered ? " SIZE=" + message.length : "")
                + (eight && eightBitMime ? " BODY=8BITMIME" : "");
        boolean reset = transactions++ > 0;
        try {
            List<String> accepted = new ArrayList<>();
            SmtpReply dataReply;
            if (pipelining) {
                StringBuilder group = new StringBuilder();
                if (reset) {
                    group.append("RSET\r\n");
                }
                group.append(mail).append("\r\n");
                for (String r : recipients) {
                    group.append("RCPT TO:<").append(r).append(">\r\n");
                }
                group.append("DATA\r\n");
                if (reset) {
                    // No reply to the RSET (or a refusal): the kept connection is dead or confused.
                    // Nothing was attempted: the body only ever follows a 354, and the caller closes.
                    try {
                        write(group.toString());
                        if (!read(commandTimeout).positive()) {
                            return new TransactionResult(Map.of(), false, true);
                        }
                    } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
                        return new TransactionResult(Map.of(), false, true);
                    }
                } else {
                    write(group.toString());
                }
                SmtpReply mailReply = read(commandTimeout);
                List<SmtpReply> rcptReplies = new ArrayList<>();
                for (int i = 0; i < recipients.size(); i++) {
                    rcptReplies.add(read(commandTimeout));
                }
                dataReply = read(commandTimeout);
                if (!mailReply.positive()) {
                    if (dataReply.code() == 354) {
                        // RFC 2920: DATA was accepted although nothing else was; end it empty.
                        write(".\r\n");
                        read(commandTimeout);
                    }
                    return allWith(recipients, outcomes, mailReply, true);
                }
                for (int i = 0; i < recipients.size(); i++) {
                    SmtpReply rr = rcptReplies.get(i);
                    if (rr.positive()) {
                        accepted.add(recipients.get(i));
                    } else {
                        outcomes.put(recipients.get(i), failure(rr));
                    }
                }
                if (accepted.isEmpty()) {
                    if (dataReply.code() == 354) {
                        write(".\r\n");
                        read(commandTimeout);
                    }
                    return new TransactionResult(outcomes, true);
                }
            } else {
                if (reset) {
                    SmtpReply rset;
                    try {
                        rset = command("RSET");
                    } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
                        return new TransactionResult(Map.of(), false, true);
                    }
                    if (!rset.positive()) {
                        return new TransactionResult(Map.of(), false, true);
                    }
                }
                SmtpReply mailReply = command(mail);
                if (!mailReply.positive()) {
                    return allWith(recipients, outcomes, mailReply, true);
                }
                for (String r : recipients) {
                    SmtpReply rr = command("RCPT TO:<" + r + ">");
                    if (rr.positive()) {
                        accepted.add(r);
                    } else {
                        outcomes.put(r, failure(rr));
                    }
                }
                if (accepted.isEmpty()) {
                    return new TransactionResult(outcomes, true);
                }
                dataReply = command("DATA");
            }
            if (dataReply.code() != 354) {
                return allWith(accepted, outcomes, dataReply, true);
            }
            byte[] payload = DotStuffing.stuff(message);
            out.write(payload);
            out.flush();
            note("C: <" + payload.length + " octets>");
            SmtpReply fin = read(DATA_FINAL_TIMEOUT.compareTo(commandTimeout) > 0 ? DATA_FINAL_TIMEOUT : commandTimeout);
            for (String r : accepted) {
                outcomes.put(r, fin.positive() ? new DeliveryOutcome.Delivered(fin.summary()) : failure(fin));
            }
            return new TransactionResult(outcomes, true);
        } catch (IOException | SmtpReplyDecoder.ProtocolError e) {
            return deferAll(recipients, outcomes, "connection lost: " + e.getMessage(), false);
        }
    }

    /** Says QUIT (best effort) and closes the socket. */
    public void quitAndClose() {
        quitQuietly();
        close();
    }

    @Override
    public void close() {
        if (socket != null) {
            closeQuietly(socket);
        } else {
            try {
                out.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    private void quitQuietly() {
        try {
            command("QUIT");
        } catch (IOException | SmtpReplyDecoder.ProtocolError | RuntimeException e) {
            // The peer may already be gone.
        }
    }

    private static DeliveryOutcome failure(SmtpReply r) {
        return r.permanent5xx() ? new DeliveryOutcome.Failed(r.summary()) : new DeliveryOutcome.Deferred(r.summary());
    }

    private static TransactionResult allWith(List<String> rcpts, Map<String, DeliveryOutcome> outcomes, SmtpReply r,
                                             boolean reusable) {
        for (String x : rcpts) {
            outcomes.putIfAbsent(x, failure(r));
        }
        return new TransactionResult(outcomes, reusable);
    }

    private static TransactionResult deferAll(List<String> rcpts, Map<String, DeliveryOutcome> outcomes, String why,
                                              boolean reusable) {
        for (String x : rcpts) {
            outcomes.putIfAbsent(x, new DeliveryOutcome.Deferred(why));
        }
        return new TransactionResult(outcomes, reusable);
    }

    private SmtpReply command(String line) throws IOException, SmtpReplyDecoder.ProtocolError {
        write(line + "\r\n");
        return read(commandTimeout);
    }

    private void note(String line) {
        if (transcript.size() == TRANSCRIPT_LINES) {
            transcript.removeFirst();
        }
        transcript.addLast(line);
    }

    private void write(String text) throws IOException {
        for (String l : text.split("\r\n")) {
            note("C: " + l);
        }
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private SmtpReply read(Duration timeout) throws IOException, SmtpReplyDecoder.ProtocolError {
        if (socket != null) {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        }
        while (true) {
            Optional<SmtpReply> r = decoder.next();
            if (r.isPresent()) {
                note("S: " + r.get().summary());
                return r.get();
            }
            int n = in.read(buf);
            if (n < 0) {
                throw new EOFException("connection closed by the remote server");
            }
            decoder.feed(buf, 0, n);
        }
    }

    private static String describe(InetSocketAddress a) {
        return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
