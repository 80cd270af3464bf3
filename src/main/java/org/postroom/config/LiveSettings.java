package org.postroom.config;

import java.util.function.Supplier;

/**
 * The settings in force: replaced by every reload, read by whatever starts something new. A session
 * takes its limits (line length, sizes, recipients, bad commands, idle time, greeting delay, the MSA's
 * rules) from here when it starts and keeps them to its end. Thread-safe.
 */
public final class LiveSettings implements Supplier<Settings> {
    private volatile Settings current;

    public LiveSettings(Settings initial) {
        this.current = initial;
    }

    @Override
    public Settings get() {
        return current;
    }

    public void set(Settings next) {
        current = next;
    }
}
