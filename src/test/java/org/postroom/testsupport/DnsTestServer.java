package org.postroom.testsupport;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny authoritative DNS server for tests, on 127.0.0.1 (UDP and TCP, the same ephemeral port),
 * answering from records added with {@link #mx}, {@link #a}, {@link #aaaa}. A name with no records of
 * the asked type but some of another gets an empty answer (NODATA); an unknown name NXDOMAIN.
 */
public final class DnsTestServer implements AutoCloseable {
    private static final long TTL = 60;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile boolean running = true;

    private DnsTestServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        Thread u = new Thread(this::serveUdp, "dns-test-udp");
        u.setDaemon(true);
        u.start();
        Thread t = new Thread(this::serveTcp, "dns-test-tcp");
        t.setDaemon(true);
        t.start();
    }

    public static DnsTestServer start() throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(lo, 0));
            try {
                ServerSocket tcp = new ServerSocket();
                tcp.bind(new InetSocketAddress(lo, udp.getLocalPort()));
                return new DnsTestServer(udp, tcp);
            } catch (IOException e) {
                udp.close();
                last = e;
            }
        }
        throw last;
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** "127.0.0.1:port", for {@code outbound.dns.servers}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public int queries() {
        return queries.get();
    }

    public DnsTestServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    public DnsTestServer a(String host, String ip) {
        try {
            return add(new ARecord(name(host), DClass.IN, TTL, InetAddress.getByName(ip)));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public DnsTestServer aaaa(String host, String ip) {
        try {
            return add(new AAAARecord(name(host), DClass.IN, TTL, InetAddress.getByName(ip)));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public void clear() {
        records.clear();
    }

    private DnsTestServer add(Record r) {
        records.computeIfAbsent(r.getName(), n -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    byte[] answer(byte[] query) throws IOException {
        queries.incrementAndGet();
        Message q = new Message(query);
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setFlag(Flags.RA);
        Record question = q.getQuestion();
        if (question == null) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r.toWire();
        }
        r.addRecord(question, Section.QUESTION);
        List<Record> known = records.get(question.getName());
        if (known == null) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
            return r.toWire();
        }
        List<Record> matching = new ArrayList<>();
        for (Record rec : known) {
            if (rec.getType() == question.getType()) {
                matching.add(rec);
            }
        }
        for (Record rec : matching) {
            r.addRecord(rec, Section.ANSWER);
        }
        return r.toWire();
    }

    private void serveUdp() {
        byte[] buf = new byte[4096];
        while (running) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
                byte[] a = answer(q);
                udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serveTcp() {
        while (running) {
            try {
                Socket s = tcp.accept();
                Thread t = new Thread(() -> serveTcpConnection(s), "dns-test-tcp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serveTcpConnection(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                int len = in.readUnsignedShort();
                byte[] q = new byte[len];
                in.readFully(q);
                byte[] a = answer(q);
                out.writeShort(a.length);
                out.write(a);
                out.flush();
            }
        } catch (IOException e) {
            // client closed
        }
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
