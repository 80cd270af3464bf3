package org.postroom.metrics.actors;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;

/**
 * Shows every meter of the engine's registry over JMX too (jconsole, VisualVM, any JMX agent): each meter,
 * present now or registered later, gets a twin in a {@link JmxMeterRegistry} that reads the original, so
 * both always agree and the hot path counts once. MBeans live under the configured domain
 * ({@code postroom} by default); {@link #close} unregisters them.
 */
public final class JmxMirror implements AutoCloseable {
    private final JmxMeterRegistry jmx;
    private volatile boolean closed;

    private JmxMirror(String domain) {
        this.jmx = new JmxMeterRegistry(new JmxConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public String domain() {
                return domain;
            }
        }, Clock.SYSTEM);
    }

    /** Mirrors {@code source} into a new JMX registry with MBeans under {@code domain}. */
    public static JmxMirror start(MeterRegistry source, String domain) {
        JmxMirror mirror = new JmxMirror(domain);
        source.config().onMeterAdded(mirror::mirror);
        source.getMeters().forEach(mirror::mirror);
        return mirror;
    }

    public MeterRegistry registry() {
        return jmx;
    }

    private void mirror(Meter meter) {
        if (closed) {
            return;
        }
        Meter.Id id = meter.getId();
        if (meter instanceof Gauge g) {
            Gauge.builder(id.getName(), g, Gauge::value).tags(id.getTagsAsIterable()).description(id.getDescription())
                    .baseUnit(id.getBaseUnit()).strongReference(true).register(jmx);
        } else if (meter instanceof Counter c) {
            FunctionCounter.builder(id.getName(), c, Counter::count).tags(id.getTagsAsIterable())
                    .description(id.getDescription()).baseUnit(id.getBaseUnit()).register(jmx);
        } else if (meter instanceof FunctionCounter fc) {
            FunctionCounter.builder(id.getName(), fc, FunctionCounter::count).tags(id.getTagsAsIterable())
                    .description(id.getDescription()).baseUnit(id.getBaseUnit()).register(jmx);
        } else {
            Meter.builder(id.getName(), id.getType(), meter.measure()).tags(id.getTagsAsIterable())
                    .description(id.getDescription()).baseUnit(id.getBaseUnit()).register(jmx);
        }
    }

    @Override
    public void close() {
        closed = true;
        jmx.close();
    }
}
