package org.postroom.dns;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postroom.testsupport.DnsTestServer;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class MxResolverIntegrationTest {
    private static DnsTestServer dns;
    private static ExecutorService io;
    private static MxResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = DnsTestServer.start();
        dns.mx("remote.test", 20, "mx2.remote.test").mx("remote.test", 10, "mx1.remote.test")
                .a("mx1.remote.test", "127.0.0.2").a("mx2.remote.test", "127.0.0.3").aaaa("mx2.remote.test", "::1");
        dns.mx("twins.test", 10, "a.twins.test").mx("twins.test", 10, "b.twins.test")
                .a("a.twins.test", "127.0.0.2").a("b.twins.test", "127.0.0.3");
        dns.a("plain.test", "127.0.0.4");
        dns.mx("nomail.test", 0, ".");
        io = Executors.newFixedThreadPool(2);
        resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(3), io, new Random(7));
    }

    @AfterAll
    static void stop() throws Exception {
        dns.close();
        io.shutdownNow();
        io.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static MxResolver.Resolution resolve(String domain) throws Exception {
        return resolver.resolve(domain).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void mxHostsShouldComeByPreferenceWithTheirAddresses() throws Exception {
        MxResolver.Hosts h = assertInstanceOf(MxResolver.Hosts.class, resolve("remote.test"));
        assertEquals(List.of("mx1.remote.test", "mx2.remote.test"), h.hosts().stream().map(MxResolver.MxHost::name).toList());
        assertEquals(List.of(InetAddress.getByName("127.0.0.2")), h.hosts().get(0).addresses());
        assertEquals(Set.of("127.0.0.3", "0:0:0:0:0:0:0:1"), new HashSet<>(
                h.hosts().get(1).addresses().stream().map(InetAddress::getHostAddress).toList()));
    }

    @Test
    void equalPreferencesShouldComeInRandomOrder() throws Exception {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            MxResolver.Hosts h = assertInstanceOf(MxResolver.Hosts.class, resolve("twins.test"));
            assertEquals(2, h.hosts().size());
            firsts.add(h.hosts().get(0).name());
        }
        assertEquals(Set.of("a.twins.test", "b.twins.test"), firsts);
    }

    @Test
    void aDomainWithoutMxShouldUseItsOwnAddress() throws Exception {
        MxResolver.Hosts h = assertInstanceOf(MxResolver.Hosts.class, resolve("plain.test"));
        assertEquals(1, h.hosts().size());
        assertEquals(List.of(InetAddress.getByName("127.0.0.4")), h.hosts().get(0).addresses());
    }

    @Test
    void anUnknownDomainOrANullMxShouldBePermanent() throws Exception {
        assertInstanceOf(MxResolver.NoSuchDomain.class, resolve("nowhere.test"));
        assertInstanceOf(MxResolver.NoSuchDomain.class, resolve("nomail.test"));
    }

    @Test
    void aDeadResolverShouldBeATemporaryFailure() throws Exception {
        MxResolver dead = new MxResolver(List.of("127.0.0.1:9"), Duration.ofMillis(300), io, new Random());
        MxResolver.Resolution r = dead.resolve("remote.test").toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertInstanceOf(MxResolver.TempFailure.class, r);
    }
}
