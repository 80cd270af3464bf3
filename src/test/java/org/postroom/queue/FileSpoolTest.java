package org.postroom.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSpoolTest {
    @TempDir
    Path dir;

    private static final byte[] BODY = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void anEnqueuedMessageShouldBeOnDiskWithItsEnvelopeAndAnnounced() throws Exception {
        FileSpool spool = new FileSpool(dir);
        List<Envelope> seen = new CopyOnWriteArrayList<>();
        spool.setListener(seen::add);
        String id = spool.enqueue("alice@example.test", List.of("x@remote.test", "y@other.test"), BODY);

        assertArrayEquals(BODY, spool.readMessage(id));
        assertTrue(Files.exists(dir.resolve(id + ".env")));
        assertEquals(1, seen.size());
        List<Envelope> loaded = new FileSpool(dir).loadAll(new ArrayList<>());
        assertEquals(1, loaded.size());
        Envelope e = loaded.get(0);
        assertEquals(id, e.id());
        assertEquals("alice@example.test", e.sender());
        assertEquals(List.of("x@remote.test", "y@other.test"),
                e.recipients().stream().map(RecipientState::address).toList());
        assertEquals(BODY.length, e.size());
    }

    @Test
    void aBodyWithoutItsEnvelopeOrATornEnvelopeShouldNotBeLoaded() throws Exception {
        FileSpool spool = new FileSpool(dir);
        Files.write(dir.resolve("half.msg"), BODY);
        String id = spool.enqueue("", List.of("x@remote.test"), BODY);
        byte[] env = Files.readAllBytes(dir.resolve(id + ".env"));
        Files.write(dir.resolve("torn.msg"), BODY);
        Files.write(dir.resolve("torn.env"), java.util.Arrays.copyOf(env, env.length - 4));
        List<String> problems = new ArrayList<>();
        List<Envelope> loaded = spool.loadAll(problems);
        assertEquals(List.of(id), loaded.stream().map(Envelope::id).toList());
        assertEquals(1, problems.size());
    }

    @Test
    void stateUpdatesShouldSurviveAReloadAndRemoveShouldDeleteBothFiles() throws Exception {
        FileSpool spool = new FileSpool(dir);
        String id = spool.enqueue("a@example.test", List.of("x@remote.test", "y@remote.test"), BODY);
        Envelope e = spool.loadAll(new ArrayList<>()).get(0);
        Instant retry = Instant.parse("2030-01-01T00:00:00Z");
        Envelope updated = e.withRecipients(List.of(
                e.recipients().get(0).deferred("451 4.3.0 try later", retry),
                e.recipients().get(1).delivered("250 ok")));
        spool.writeEnvelope(updated);
        Envelope back = spool.loadAll(new ArrayList<>()).get(0);
        assertEquals(updated, back);
        assertEquals(1, back.recipients().get(0).attempts());
        assertFalse(back.finished());
        spool.remove(id);
        assertTrue(spool.loadAll(new ArrayList<>()).isEmpty());
        assertFalse(Files.exists(dir.resolve(id + ".msg")));
    }

    @Test
    void anEnvelopeShouldRejectGarbage() {
        assertThrows(IllegalArgumentException.class, () -> Envelope.decode("hello\n".getBytes()));
    }

    @Test
    void hexShouldPadLikeFormat() {
        for (long v : new long[] {0, 1, 0xabc, 0xFFFFFF, 0x19a2b3c4d5eL, 0x123456789abcdefL}) {
            for (int digits : new int[] {4, 6, 13}) {
                StringBuilder out = new StringBuilder();
                FileSpool.hex(out, v, digits);
                assertEquals(String.format("%0" + digits + "x", v), out.toString());
            }
        }
    }
}
