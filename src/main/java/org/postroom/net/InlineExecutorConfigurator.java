package org.postroom.net;

import com.typesafe.config.Config;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.ForkJoinExecutorConfigurator;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A dispatcher executor: Pekko's fork-join pool, except that a task submitted from a thread inside
 * {@link InlineDispatch#allowing} runs at once on that thread. Configured as
 * {@code executor = "org.postroom.net.InlineExecutorConfigurator"}, with the pool's settings under
 * {@code fork-join-executor} as for Pekko's own executor.
 */
public final class InlineExecutorConfigurator extends ExecutorServiceConfigurator {

    private final ForkJoinExecutorConfigurator pool;

    public InlineExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.pool = new ForkJoinExecutorConfigurator(config.getConfig("fork-join-executor"), prerequisites);
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
        ExecutorServiceFactory underlying = pool.createExecutorServiceFactory(id, threadFactory);
        return () -> new InlineOrPool(underlying.createExecutorService());
    }

    private static final class InlineOrPool extends AbstractExecutorService {
        private final ExecutorService pool;

        InlineOrPool(ExecutorService pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            if (InlineDispatch.tryEnter()) {
                try {
                    task.run();
                } finally {
                    InlineDispatch.leave();
                }
                return;
            }
            pool.execute(task);
        }

        @Override
        public void shutdown() {
            pool.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return pool.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }
    }
}
