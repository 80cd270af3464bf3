package org.postroom.inbound;

import org.postroom.net.ConnectionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/**
 * The session log: one structured line when an inbound session starts, one when it ends (with its
 * duration and why it ended), and one for a connection refused as Server Too Busy. Logger
 * {@code org.postroom.session}; the fields are SLF4J key-value pairs ({@code kind}, {@code session},
 * {@code peer}, {@code local}, {@code duration_ms}, {@code reason}), so the JSON log format carries them
 * as fields and the text format prints them as {@code key="value"}.
 */
final class SessionLog {
    private static final Logger LOG = LoggerFactory.getLogger("org.postroom.session");

    private SessionLog() {
    }

    /** What the end line needs to know about a session that started. */
    record Opened(ConnectionInfo info, long startNanos) {}

    static Opened started(ConnectionInfo info) {
        LOG.atInfo().setMessage("session start")
                .addKeyValue("kind", info.kind())
                .addKeyValue("session", info.sessionId())
                .addKeyValue("peer", format(info.remote()))
                .addKeyValue("local", format(info.local()))
                .log();
        return new Opened(info, System.nanoTime());
    }

    static void ended(Opened opened, String reason) {
        ConnectionInfo info = opened.info();
        LOG.atInfo().setMessage("session end")
                .addKeyValue("kind", info.kind())
                .addKeyValue("session", info.sessionId())
                .addKeyValue("peer", format(info.remote()))
                .addKeyValue("duration_ms", (System.nanoTime() - opened.startNanos()) / 1_000_000)
                .addKeyValue("reason", reason)
                .log();
    }

    static void refused(String kind, InetSocketAddress peer, InetSocketAddress local) {
        LOG.atInfo().setMessage("session refused")
                .addKeyValue("kind", kind)
                .addKeyValue("peer", format(peer))
                .addKeyValue("local", format(local))
                .addKeyValue("reason", "server-too-busy")
                .log();
    }

    static String format(InetSocketAddress a) {
        if (a == null) {
            return "-";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
