package org.postroom.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The performance rewrites of the Maildir writer give the same bytes and sizes as the plain loops. */
class MaildirStoreFastPathTest {

    private static byte[] referenceCrlfToLf(byte[] crlf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < crlf.length; i++) {
            if (crlf[i] == '\r' && i + 1 < crlf.length && crlf[i + 1] == '\n') {
                continue;
            }
            out.write(crlf[i]);
        }
        return out.toByteArray();
    }

    private static long referenceLf(byte[] b) {
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    @Test
    void crlfToLfAndTheLfCountMatchTheByteLoopsOnRandomText() {
        Random random = new Random(42);
        byte[] alphabet = {'\r', '\n', 'a', '.', (byte) 0x8a, (byte) 0x0a, 0, (byte) 0xff, ' '};
        for (int round = 0; round < 3000; round++) {
            byte[] b = new byte[random.nextInt(70)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertArrayEquals(referenceCrlfToLf(b), MaildirStore.crlfToLf(b), () -> java.util.Arrays.toString(b));
            assertEquals(referenceLf(b), MaildirStore.countLf(b));
            assertEquals(b.length + referenceLf(b), MaildirStore.crlfSize(b));
        }
    }

    /** The plain per-byte loop lfToCrlf used to be. */
    private static byte[] referenceLfToCrlf(byte[] lf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < lf.length; i++) {
            if (lf[i] == '\n' && (i == 0 || lf[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(lf[i]);
        }
        return out.toByteArray();
    }

    @Test
    void lfToCrlfMatchesTheByteLoopOnRandomText() {
        Random random = new Random(7);
        byte[] alphabet = {'\r', '\n', 'a', '.', (byte) 0x8a, 0, (byte) 0xff, ' '};
        for (int round = 0; round < 3000; round++) {
            byte[] b = new byte[random.nextInt(70)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertArrayEquals(referenceLfToCrlf(b), MaildirStore.lfToCrlf(b), () -> java.util.Arrays.toString(b));
        }
        assertArrayEquals("\r\n\r\na\r\n".getBytes(), MaildirStore.lfToCrlf("\n\na\n".getBytes()));
    }

    @Test
    void indexOfLfMatchesTheByteLoopFromEveryOffset() {
        Random random = new Random(11);
        byte[] alphabet = {'\n', 'a', '.', (byte) 0x8a, (byte) 0x0b, (byte) 0x09, 0, (byte) 0xff, ' ', '\r'};
        for (int n = 0; n < 300; n++) {
            byte[] text = new byte[random.nextInt(70)];
            for (int i = 0; i < text.length; i++) {
                // LFs sparse enough that runs longer than eight bytes occur
                text[i] = random.nextInt(6) == 0 ? (byte) '\n' : alphabet[1 + random.nextInt(alphabet.length - 1)];
            }
            for (int from = 0; from <= text.length; from++) {
                int expected = from;
                while (expected < text.length && text[expected] != '\n') {
                    expected++;
                }
                assertEquals(expected, MaildirStore.indexOfLf(text, from), "from " + from + " in " + Arrays.toString(text));
            }
        }
    }

    @Test
    void aLoneCrAndATrailingCrAreKept() {
        assertArrayEquals("a\rb\n\r".getBytes(), MaildirStore.crlfToLf("a\rb\r\n\r".getBytes()));
        assertArrayEquals("\r\n".getBytes(), MaildirStore.crlfToLf("\r\r\n".getBytes()));
    }

    @Test
    void concurrentDeliveriesSharingDirectoryFsyncsAllLandInNew(@TempDir Path root) throws Exception {
        MaildirStore store = new MaildirStore(root, "host");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Path>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] message = ("Subject: " + i + "\n\nbody\n").getBytes();
                String to = i % 2 == 0 ? "a@example.test" : "b@example.test";
                done.add(pool.submit(() -> store.deliver(to, message)));
            }
            for (Future<Path> f : done) {
                Path p = f.get(60, TimeUnit.SECONDS);
                assertTrue(Files.exists(p), p.toString());
            }
        } finally {
            pool.shutdownNow();
        }
        try (var a = Files.list(root.resolve("example.test/a/new")); var b = Files.list(root.resolve("example.test/b/new"))) {
            assertEquals(200, a.count() + b.count());
        }
        try (var tmp = Files.list(root.resolve("example.test/a/tmp"))) {
            assertEquals(0, tmp.count());
        }
    }

    @Test
    void deliveryIntoAFolderWhoseNewDirectoryVanishedRecreatesIt(@TempDir Path root) throws Exception {
        MaildirStore store = new MaildirStore(root, "host");
        Path inbox = store.inbox("a@example.test");
        store.deliver("a@example.test", "x\n".getBytes());
        Files.delete(Files.list(inbox.resolve("new")).findFirst().orElseThrow());
        Files.delete(inbox.resolve("new"));
        Path p = store.deliver("a@example.test", "y\n".getBytes());
        assertEquals("y\n", Files.readString(p));
    }
}
