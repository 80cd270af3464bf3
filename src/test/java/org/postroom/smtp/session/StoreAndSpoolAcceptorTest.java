package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postroom.smtp.SmtpTestSupport.RecordingSpool;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StoreAndSpoolAcceptorTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T06:40:00Z"), ZoneOffset.UTC);

    @TempDir
    Path temp;

    private final RecordingSpool spool = new RecordingSpool();

    private StoreAndSpoolAcceptor acceptor(MaildirStore store) {
        return new StoreAndSpoolAcceptor(store, spool, "mx.test", CLOCK, () -> "ID7");
    }

    private static String onlyMessage(MaildirStore store, String address) throws IOException {
        try (Stream<Path> s = Files.list(store.inbox(address).resolve("new"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size());
            return Files.readString(files.get(0), StandardCharsets.UTF_8);
        }
    }

    @Test
    void localCopiesShouldGetReturnPathAndLfWhileTheSpoolGetsCrlfWithoutReturnPath() throws IOException {
        MaildirStore store = new MaildirStore(temp, "mx.test");
        Envelope env = new Envelope("alice@example.test", List.of("bob@example.test", "carol@example.test"),
                List.of("x@remote.example"), "laptop", "192.0.2.7", "ESMTPA", Optional.of("alice@example.test"));
        byte[] message = "Subject: hi\r\n\r\nbody \u00e9\r\n".getBytes(StandardCharsets.UTF_8);

        assertEquals("ID7", acceptor(store).accept(env, message));

        String received = "Received: from laptop ([192.0.2.7])\n\tby mx.test (Postroom) with ESMTPA id ID7\n"
                + "\tSun, 29 Nov 2026 06:40:00 +0000\n";
        String expectedLocal = "Return-Path: <alice@example.test>\n" + received + "Subject: hi\n\nbody \u00e9\n";
        assertEquals(expectedLocal, onlyMessage(store, "bob@example.test"));
        assertEquals(expectedLocal, onlyMessage(store, "carol@example.test"));
        RecordingSpool.Entry entry = spool.entries.get(0);
        assertEquals("alice@example.test", entry.sender());
        assertEquals(List.of("x@remote.example"), entry.recipients());
        assertEquals(received.replace("\n", "\r\n") + "Subject: hi\r\n\r\nbody \u00e9\r\n",
                new String(entry.message(), StandardCharsets.UTF_8));
    }

    @Test
    void nullSenderAndSingleRecipientShouldShowInTheHeaders() throws IOException {
        MaildirStore store = new MaildirStore(temp, "mx.test");
        Envelope env = new Envelope("", List.of("bob@example.test"), List.of(), "[::1]", "0:0:0:0:0:0:0:1",
                "ESMTP", Optional.empty());
        acceptor(store).accept(env, "x\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("Return-Path: <>\nReceived: from [::1] ([IPv6:0:0:0:0:0:0:0:1])\n"
                + "\tby mx.test (Postroom) with ESMTP id ID7\n"
                + "\tfor <bob@example.test>; Sun, 29 Nov 2026 06:40:00 +0000\nx\n", onlyMessage(store, "bob@example.test"));
        assertEquals(0, spool.entries.size());
    }

    @Test
    void spoolFailureShouldThrowSoTheClientGets451AndKeepTheLocalCopy() throws IOException {
        MaildirStore store = new MaildirStore(temp, "mx.test");
        spool.fail = true;
        Envelope env = new Envelope("a@b.example", List.of("bob@example.test"), List.of("x@remote.example"), "h",
                "127.0.0.1", "ESMTPA", Optional.of("a@b.example"));
        assertThrows(IOException.class, () -> acceptor(store).accept(env, "x\r\n".getBytes(StandardCharsets.US_ASCII)));
        onlyMessage(store, "bob@example.test");
    }

    @Test
    void unwritableMaildirShouldThrow() throws IOException {
        Path file = temp.resolve("not-a-dir");
        Files.writeString(file, "x");
        MaildirStore store = new MaildirStore(file, "mx.test");
        Envelope env = new Envelope("a@b.example", List.of("bob@example.test"), List.of(), "h", "127.0.0.1",
                "ESMTP", Optional.empty());
        assertThrows(IOException.class, () -> acceptor(store).accept(env, "x\r\n".getBytes(StandardCharsets.US_ASCII)));
    }
}
