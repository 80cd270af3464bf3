package org.postroom.multipop.client;

import java.io.IOException;

/** The server answered {@code -ERR} to a command the client needed. Carries the verb and the server's text. */
public class Pop3CommandException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String verb;
    private final String serverText;

    public Pop3CommandException(String verb, String serverText) {
        super(verb + " refused: -ERR " + serverText);
        this.verb = verb;
        this.serverText = serverText;
    }

    public String verb() {
        return verb;
    }

    public String serverText() {
        return serverText;
    }
}
