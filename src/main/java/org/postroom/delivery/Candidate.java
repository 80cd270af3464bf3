package org.postroom.delivery;

import org.postroom.dns.MxResolver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** One address to dial for a domain, in order: every MX host's addresses, then the smart host's. */
public record Candidate(String host, InetAddress address, int port, boolean smartHost) {

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    /** The dialling order for MX hosts (on {@code remotePort}) followed by the smart host. */
    public static List<Candidate> route(List<MxResolver.MxHost> mxHosts, int remotePort, String smartHostName,
                                        List<InetAddress> smartHostAddresses, int smartHostPort) {
        List<Candidate> out = new ArrayList<>();
        for (MxResolver.MxHost h : mxHosts) {
            for (InetAddress a : h.addresses()) {
                out.add(new Candidate(h.name(), a, remotePort, false));
            }
        }
        for (InetAddress a : smartHostAddresses) {
            out.add(new Candidate(smartHostName, a, smartHostPort, true));
        }
        return out;
    }
}
