package org.postroom.security.fuzz;

import org.junit.jupiter.api.Test;
import org.postroom.dns.MxResolver;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DNS answers as dnsjava gives them to the MX resolver, from a hostile or broken resolver: a UDP
 * responder on 127.0.0.1 answers every query with a valid MX/A answer mutated at random (seeded, so a
 * failure replays). The resolver must always come back with a {@link MxResolver.Resolution} — hosts,
 * no such domain, or a temporary failure — within its timeouts, never throw.
 */
class DnsAnswerFuzzTest {

    @Test
    void mutatedAnswersShouldAlwaysYieldAResolutionAndNeverThrow() throws Exception {
        AtomicLong seed = new AtomicLong();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread responder = new Thread(() -> answerMutated(socket, seed), "dns-fuzz-responder");
            responder.setDaemon(true);
            responder.start();
            String server = "127.0.0.1:" + socket.getLocalPort();
            int hosts = 0;
            int other = 0;
            for (long s = 0; s < 60; s++) {
                seed.set(s);
                MxResolver resolver = new MxResolver(List.of(server), Duration.ofMillis(150), Runnable::run,
                        new Random(s));
                long start = System.nanoTime();
                MxResolver.Resolution r = resolver.resolveBlocking("fuzz" + s + ".remote.test");
                assertNotNull(r, "seed " + s);
                if (r instanceof MxResolver.Hosts h) {
                    for (MxResolver.MxHost host : h.hosts()) {
                        assertNotNull(host.name(), "seed " + s);
                    }
                    hosts++;
                } else {
                    other++;
                }
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "seed " + s + " hung");
            }
            // Both kinds occur, so the answers really reached the resolver and the mutations mattered.
            assertTrue(hosts > 0 && other > 0, "hosts " + hosts + ", other " + other);
        }
    }

    private static void answerMutated(DatagramSocket socket, AtomicLong seed) {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                Message query = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                Record question = query.getQuestion();
                Message answer = new Message(query.getHeader().getID());
                answer.getHeader().setFlag(Flags.QR);
                answer.addRecord(question, Section.QUESTION);
                Name name = question.getName();
                Name mx = Name.fromString("mx." + name.toString());
                if (question.getType() == Type.MX) {
                    answer.addRecord(new MXRecord(name, DClass.IN, 60, 10, mx), Section.ANSWER);
                }
                answer.addRecord(new ARecord(question.getType() == Type.MX ? mx : name, DClass.IN, 60,
                        InetAddress.getByName("127.0.0.2")), question.getType() == Type.MX
                        ? Section.ADDITIONAL : Section.ANSWER);
                byte[] wire = answer.toWire();
                Random random = new Random(seed.get() * 31 + question.getType());
                // Mutate only behind the header and question (dnsjava drops a reply whose header or
                // question does not match as a network error): the records are what a broken or
                // hostile server controls and what the resolver has to make sense of. Every fourth
                // answer also goes out untouched, and some are cut short.
                int questionEnd = 12 + name.length() + 4;
                if (seed.get() % 4 == 1) {
                    // Only the last record's data: answers that parse, with odd addresses and preferences.
                    for (int m = 1 + random.nextInt(3); m > 0; m--) {
                        wire[wire.length - 1 - random.nextInt(4)] = (byte) random.nextInt(256);
                    }
                } else if (seed.get() % 4 != 0) {
                    for (int m = 1 + random.nextInt(4); m > 0; m--) {
                        wire[questionEnd + random.nextInt(wire.length - questionEnd)] = (byte) random.nextInt(256);
                    }
                    if (random.nextInt(5) == 0) {
                        wire = java.util.Arrays.copyOf(wire, questionEnd + random.nextInt(wire.length - questionEnd));
                    }
                }
                socket.send(new DatagramPacket(wire, wire.length, p.getSocketAddress()));
            } catch (SocketException closed) {
                return;
            } catch (Exception unparseable) {
                // A query we cannot parse gets no answer: the resolver times out, which is also a case.
            }
        }
    }
}
