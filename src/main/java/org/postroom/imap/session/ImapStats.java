package org.postroom.imap.session;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live IMAP figures for {@code /status}: sessions logged in, sessions in IDLE, and totals of logins,
 * failed logins and commands. Thread-safe; every session of a listener updates the same instance.
 */
public final class ImapStats {
    final AtomicLong loggedIn = new AtomicLong();
    final AtomicLong idling = new AtomicLong();
    final AtomicLong logins = new AtomicLong();
    final AtomicLong failedLogins = new AtomicLong();
    final AtomicLong commands = new AtomicLong();

    public Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loggedIn", loggedIn.get());
        m.put("idling", idling.get());
        m.put("logins", logins.get());
        m.put("failedLogins", failedLogins.get());
        m.put("commands", commands.get());
        return m;
    }
}
