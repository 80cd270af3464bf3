package org.postroom.imap.session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The bytes one command sends back, collected before they go to the connection in one piece. */
final class Responses {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A text line; the CRLF is added. */
    void line(String text) {
        text(text);
        text("\r\n");
    }

    void text(String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    void raw(byte[] bytes) {
        out.writeBytes(bytes);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    int size() {
        return out.size();
    }

    boolean isEmpty() {
        return out.size() == 0;
    }
}
