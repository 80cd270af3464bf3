package org.postroom.net;

/** Makes the handler of one admitted connection. */
@FunctionalInterface
public interface ProtocolHandlerFactory {
    ProtocolHandler create(ConnectionInfo connection);
}
