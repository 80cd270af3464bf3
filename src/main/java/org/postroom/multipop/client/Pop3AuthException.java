package org.postroom.multipop.client;

/** The server refused the login (USER, PASS or APOP answered {@code -ERR}). */
public class Pop3AuthException extends Pop3CommandException {
    private static final long serialVersionUID = 1L;

    public Pop3AuthException(String verb, String serverText) {
        super(verb, serverText);
    }
}
