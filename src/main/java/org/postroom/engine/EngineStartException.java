package org.postroom.engine;

/** The engine could not start (a port in use, a data dir not writable); the message is one line for the operator. */
public final class EngineStartException extends RuntimeException {
    public EngineStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
