package org.postroom.smtp;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.postroom.store.MaildirStore;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/** Client-side helpers for the SMTP integration tests: Angus sessions, a raw line client, Maildir reads. */
public final class SmtpClients {
    private SmtpClients() {
    }

    public static Session angus(int port, boolean auth, String mechanisms) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", String.valueOf(auth));
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.localhost", "client.example");
        p.put("mail.smtp.allow8bitmime", "true");
        if (mechanisms != null) {
            p.put("mail.smtp.auth.mechanisms", mechanisms);
        }
        return Session.getInstance(p);
    }

    /** A message parsed from raw bytes, so Angus sends it exactly as written. */
    public static MimeMessage raw(Session session, String text) throws Exception {
        return new MimeMessage(session, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every message file in the account's INBOX {@code new/}, read as UTF-8. */
    public static List<String> inbox(MaildirStore store, String address) throws IOException {
        Path dir = store.inbox(address).resolve("new");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                out.add(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The one message in the account's INBOX containing {@code marker}. */
    public static String find(MaildirStore store, String address, String marker) throws IOException {
        List<String> hits = inbox(store, address).stream().filter(m -> m.contains(marker)).toList();
        if (hits.size() != 1) {
            throw new AssertionError(hits.size() + " messages with " + marker + " for " + address);
        }
        return hits.get(0);
    }

    /** A plain socket speaking lines, for what Angus cannot send (pipelining, garbage). */
    public static final class LineClient implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        public LineClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        public Socket socket() {
            return socket;
        }

        public void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8));
        }

        public void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Reads one reply (all its lines), joined with "\n". */
        public String reply() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("connection closed after: " + sb);
                }
                sb.append(sb.length() == 0 ? "" : "\n").append(line);
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return sb.toString();
                }
            }
        }

        /** Reads until the server closes; true when it did. */
        public boolean closedByServer() throws IOException {
            return in.readLine() == null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
