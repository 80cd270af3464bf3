package org.postroom.security;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * A raw line client for the security tests: plaintext, STARTTLS in the middle, or implicit TLS, trusting
 * the engine's self-signed certificate. Reads SMTP multi-line replies or single lines.
 */
public final class Wire implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    private Wire(Socket socket) throws IOException {
        use(socket);
    }

    /** A plaintext connection to 127.0.0.1:port. */
    public static Wire plain(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(15_000);
        return new Wire(s);
    }

    /** An implicit-TLS connection (handshake done before returning). */
    public static Wire tls(int port) throws IOException, GeneralSecurityException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(15_000);
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(s, "127.0.0.1", port, true);
        ssl.startHandshake();
        return new Wire(ssl);
    }

    /** Switches this connection to TLS (after the server's go-ahead was read). */
    public SSLSocket startTls() throws IOException, GeneralSecurityException {
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory()
                .createSocket(socket, "127.0.0.1", socket.getPort(), true);
        ssl.startHandshake();
        use(ssl);
        return ssl;
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        out = s.getOutputStream();
    }

    public static SSLContext trustAll() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }

    public Socket socket() {
        return socket;
    }

    public Wire send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** One line, without its CRLF; an IOException when the server closed. */
    public String line() throws IOException {
        String l = in.readLine();
        if (l == null) {
            throw new IOException("connection closed by the server");
        }
        return l;
    }

    /** One SMTP reply, all its lines joined with "\n". */
    public String reply() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String l = line();
            sb.append(sb.length() == 0 ? "" : "\n").append(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return sb.toString();
            }
        }
    }

    /** Sends a command line and reads the SMTP reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /** Sends a command line and reads one line (POP3). */
    public String pop(String line) throws IOException {
        send(line + "\r\n");
        return line();
    }

    /** Reads a POP3 multi-line answer after its status line, up to the ".". */
    public String popBody() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l = line(); !l.equals("."); l = line()) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    /** True when the server closed the connection (reads what is left). */
    public boolean closedByServer() throws IOException {
        try {
            while (in.readLine() != null) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    public static String plainAuth(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
