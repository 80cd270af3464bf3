package org.postroom.net;

/**
 * Lets a thread that has just produced a connection's input run that connection's stream itself,
 * instead of waking a dispatcher thread for it: the selector thread with the bytes it read, and a
 * blocking-pool thread with the result of the work it finished. On a request/reply dialogue that is
 * one thread wake-up per command instead of two (or three), which is most of a round trip's cost at
 * few clients. The dispatcher's executor ({@link InlineExecutorConfigurator}) asks {@link #tryEnter}
 * before running a task on the calling thread; everything else goes to its pool as usual.
 *
 * <p>Only one task runs inline at a time on a thread: a task submitted while one already runs inline
 * (the actor rescheduling itself, another actor woken) goes to the pool, so inline work never nests
 * and never grows the stack.
 */
public final class InlineDispatch {

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private static final class State {
        boolean allowed;
        boolean running;
    }

    private InlineDispatch() {
    }

    /** Runs {@code action}; dispatcher tasks it submits may run right here, on this thread. */
    public static void allowing(Runnable action) {
        State state = STATE.get();
        if (state.allowed) {
            action.run();
            return;
        }
        state.allowed = true;
        try {
            action.run();
        } finally {
            state.allowed = false;
        }
    }

    /** True when the caller may run one task now; it must call {@link #leave} after it. */
    static boolean tryEnter() {
        State state = STATE.get();
        if (!state.allowed || state.running) {
            return false;
        }
        state.running = true;
        return true;
    }

    static void leave() {
        STATE.get().running = false;
    }
}
