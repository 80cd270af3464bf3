package org.postroom.multipop.client;

import java.io.IOException;

/** The server's bytes are not POP3: a status line without +OK/-ERR, a line or message over the limit. */
public class Pop3ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public Pop3ProtocolException(String message) {
        super(message);
    }
}
