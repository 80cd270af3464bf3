package org.postroom.config;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Something built from the live settings (a protocol's session config), rebuilt only when a reload
 * brought new settings. Thread-safe; two threads may both rebuild once, harmlessly.
 */
public final class Derived<T> implements Supplier<T> {
    private record Built<T>(Settings from, T value) {}

    private final Supplier<Settings> settings;
    private final Function<Settings, T> build;
    private volatile Built<T> last;

    public Derived(Supplier<Settings> settings, Function<Settings, T> build) {
        this.settings = settings;
        this.build = build;
    }

    @Override
    public T get() {
        Settings now = settings.get();
        Built<T> b = last;
        if (b == null || b.from() != now) {
            b = new Built<>(now, build.apply(now));
            last = b;
        }
        return b.value();
    }
}
