package org.postroom.multipop.client;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A blocking POP3 client (RFC 1939, with UIDL, CAPA, STLS of RFC 2595) on a {@link Socket}, for
 * MultiPOP. One instance per connection; not thread-safe. Reply framing is done by
 * {@link Pop3ReplyDecoder}, so this class only writes commands and moves bytes.
 *
 * <p>TLS: {@link Tls#IMPLICIT} wraps the socket before the greeting, {@link Tls#STARTTLS} sends STLS
 * after it and layers an {@link SSLSocket} over the same socket
 * ({@code SSLSocketFactory.createSocket(socket, host, port, true)}), dropping any plaintext read ahead.
 * Every read is bounded by the read timeout, the connect by the connect timeout.
 */
public final class Pop3Client implements Closeable {
    public enum Tls { NONE, STARTTLS, IMPLICIT;
        public static Tls parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Connection options; {@code tlsFactory} is used for STARTTLS and implicit TLS. */
    public record Options(Duration connectTimeout, Duration readTimeout, long maxMessageSize,
                          SSLSocketFactory tlsFactory) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(30), Duration.ofMinutes(2), 64L * 1024 * 1024,
                    (SSLSocketFactory) SSLSocketFactory.getDefault());
        }
    }

    private final String host;
    private final int port;
    private final Options options;
    private final Pop3ReplyDecoder decoder;
    private final byte[] readBuffer = new byte[16 * 1024];
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private String greeting;

    private Pop3Client(Socket socket, String host, int port, Options options) throws IOException {
        this.host = host;
        this.port = port;
        this.options = options;
        this.decoder = new Pop3ReplyDecoder(8192, options.maxMessageSize() + 64 * 1024);
        use(socket);
    }

    /**
     * Connects, applies {@code tls}, and reads the greeting. A {@code -ERR} greeting (e.g. the server is
     * busy) is a {@link Pop3CommandException} with verb "greeting"; the socket is closed on any failure.
     */
    public static Pop3Client connect(String host, int port, Tls tls, Options options) throws IOException {
        Socket raw = new Socket();
        try {
            raw.connect(new InetSocketAddress(host, port), (int) options.connectTimeout().toMillis());
            raw.setSoTimeout((int) options.readTimeout().toMillis());
            Socket s = raw;
            if (tls == Tls.IMPLICIT) {
                s = handshake(options.tlsFactory().createSocket(raw, host, port, true));
            }
            Pop3Client client = new Pop3Client(s, host, port, options);
            client.readGreeting();
            if (tls == Tls.STARTTLS) {
                client.startTls();
            }
            return client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    private void use(Socket s) throws IOException {
        this.socket = s;
        this.in = s.getInputStream();
        this.out = s.getOutputStream();
    }

    /** Handshakes, checking that the certificate names the host we dialled (as HTTPS clients do). */
    private static Socket handshake(Socket s) throws IOException {
        SSLSocket ssl = (SSLSocket) s;
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        return ssl;
    }

    private void readGreeting() throws IOException {
        Pop3Reply reply = read(Pop3ReplyDecoder.Framing.SINGLE_LINE);
        if (!reply.isOk()) {
            throw new Pop3CommandException("greeting", reply.text());
        }
        greeting = reply.text();
    }

    /** The greeting's text after {@code +OK}. */
    public String greeting() {
        return greeting;
    }

    public Optional<String> apopTimestamp() {
        return Pop3Parse.apopTimestamp(greeting);
    }

    /** STLS, then TLS on the same socket; plaintext bytes read ahead are discarded. */
    public void startTls() throws IOException {
        require("STLS", send("STLS", Pop3ReplyDecoder.Framing.SINGLE_LINE));
        decoder.discardBuffered();
        use(handshake(options.tlsFactory().createSocket(socket, host, port, true)));
    }

    /**
     * Logs in: APOP when {@code tryApop} and the greeting offers a timestamp, falling back to USER/PASS
     * if the server refuses APOP; else USER/PASS.
     */
    public void login(String user, String password, boolean tryApop) throws IOException {
        Optional<String> stamp = apopTimestamp();
        if (tryApop && stamp.isPresent()) {
            Pop3Reply r = send("APOP " + arg(user) + " " + Pop3Parse.apopDigest(stamp.get(), password),
                    Pop3ReplyDecoder.Framing.SINGLE_LINE);
            if (r.isOk()) {
                return;
            }
        }
        Pop3Reply u = send("USER " + arg(user), Pop3ReplyDecoder.Framing.SINGLE_LINE);
        if (!u.isOk()) {
            throw new Pop3AuthException("USER", u.text());
        }
        Pop3Reply p = send("PASS " + arg(password), Pop3ReplyDecoder.Framing.SINGLE_LINE);
        if (!p.isOk()) {
            throw new Pop3AuthException("PASS", p.text());
        }
    }

    public Pop3Parse.Stat stat() throws IOException {
        return Pop3Parse.stat(require("STAT", send("STAT", Pop3ReplyDecoder.Framing.SINGLE_LINE)).text());
    }

    /** The UIDL listing, or empty when the server does not support UIDL ({@code -ERR}). */
    public Optional<List<Pop3Parse.UidlEntry>> uidl() throws IOException {
        Pop3Reply r = send("UIDL", Pop3ReplyDecoder.Framing.MULTI_LINE);
        if (r instanceof Pop3Reply.Listing listing) {
            return Optional.of(Pop3Parse.uidl(listing.lines()));
        }
        if (r instanceof Pop3Reply.Err) {
            return Optional.empty();
        }
        throw new Pop3ProtocolException("UIDL answered with a single line");
    }

    /** Message sizes from LIST, or empty when the server refuses it. */
    public Optional<java.util.Map<Integer, Long>> list() throws IOException {
        Pop3Reply r = send("LIST", Pop3ReplyDecoder.Framing.MULTI_LINE);
        if (r instanceof Pop3Reply.Listing listing) {
            return Optional.of(Pop3Parse.list(listing.lines()));
        }
        if (r instanceof Pop3Reply.Err) {
            return Optional.empty();
        }
        throw new Pop3ProtocolException("LIST answered with a single line");
    }

    /** The largest message {@link #retr} accepts. */
    public long maxMessageSize() {
        return options.maxMessageSize();
    }

    /** The message with CRLF line ends, dot-unstuffed. */
    public byte[] retr(int number) throws IOException {
        Pop3Reply r = require("RETR", send("RETR " + number, Pop3ReplyDecoder.Framing.MULTI_LINE));
        if (r instanceof Pop3Reply.Listing listing) {
            if (listing.body().length > options.maxMessageSize()) {
                throw new Pop3ProtocolException("message " + number + " is larger than " + options.maxMessageSize() + " octets");
            }
            return listing.body();
        }
        throw new Pop3ProtocolException("RETR answered with a single line");
    }

    public void dele(int number) throws IOException {
        require("DELE", send("DELE " + number, Pop3ReplyDecoder.Framing.SINGLE_LINE));
    }

    public void noop() throws IOException {
        require("NOOP", send("NOOP", Pop3ReplyDecoder.Framing.SINGLE_LINE));
    }

    /** QUIT: the server applies the DELEs (UPDATE state); {@code -ERR} means it could not. Closes the socket. */
    public void quit() throws IOException {
        try {
            require("QUIT", send("QUIT", Pop3ReplyDecoder.Framing.SINGLE_LINE));
        } finally {
            close();
        }
    }

    /** Sends one command line and reads its reply. */
    public Pop3Reply send(String commandLine, Pop3ReplyDecoder.Framing framing) throws IOException {
        decoder.expect(framing);
        out.write((commandLine + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return read(framing);
    }

    private Pop3Reply read(Pop3ReplyDecoder.Framing framing) throws IOException {
        decoder.expect(framing);
        while (true) {
            Optional<Pop3Reply> reply = decoder.next();
            if (reply.isPresent()) {
                return reply.get();
            }
            int n = in.read(readBuffer);
            if (n < 0) {
                throw new EOFException("connection closed by " + host + ":" + port);
            }
            decoder.feed(readBuffer, 0, n);
        }
    }

    private static Pop3Reply require(String verb, Pop3Reply reply) throws Pop3CommandException {
        if (!reply.isOk()) {
            throw new Pop3CommandException(verb, reply.text());
        }
        return reply;
    }

    /** Refuses arguments that would inject a second command line. */
    private static String arg(String s) {
        if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in a POP3 argument");
        }
        return s;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing after a failure; nothing left to do
        }
    }
}
