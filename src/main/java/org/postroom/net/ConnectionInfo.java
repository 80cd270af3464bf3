package org.postroom.net;

import java.net.InetSocketAddress;

/** Who is connected where: the listener kind (smtp, msa, pop3, imap), peer and local address, a session id. */
public record ConnectionInfo(String kind, String sessionId, InetSocketAddress remote, InetSocketAddress local) {}
