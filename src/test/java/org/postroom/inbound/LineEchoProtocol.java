package org.postroom.inbound;

import org.apache.pekko.util.ByteString;
import org.postroom.config.Settings;
import org.postroom.engine.EngineServices;
import org.postroom.net.ProtocolHandler;
import org.postroom.net.ProtocolHandlerFactory;
import org.postroom.net.SessionContext;

import java.nio.charset.StandardCharsets;

/**
 * A tiny line protocol for testing the session machinery without a mail protocol: greets with
 * {@code +HELLO}, echoes lines, {@code SLOW x} answers after blocking work, {@code BOOM} throws,
 * {@code QUIT} says {@code +BYE} and closes.
 */
final class LineEchoProtocol implements InboundProtocol {
    private final String kind;

    LineEchoProtocol(String kind) {
        this.kind = kind;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public ByteString serverTooBusy(Settings settings) {
        return ByteString.fromString("-BUSY " + settings.hostname() + " Server Too Busy\r\n");
    }

    @Override
    public ProtocolHandlerFactory handlers(EngineServices services) {
        return info -> new Handler();
    }

    static final class Handler implements ProtocolHandler {
        private final StringBuilder buffer = new StringBuilder();

        @Override
        public void onStart(SessionContext ctx) {
            ctx.send("+HELLO\r\n");
        }

        @Override
        public void onInput(ByteString bytes, SessionContext ctx) {
            buffer.append(bytes.decodeString(StandardCharsets.UTF_8));
            int eol;
            while (!ctx.isAwaiting() && !ctx.isClosing() && (eol = buffer.indexOf("\r\n")) >= 0) {
                String line = buffer.substring(0, eol);
                buffer.delete(0, eol + 2);
                if (line.equals("STARTTLS")) {
                    ctx.send("+GO\r\n");
                    buffer.setLength(0);
                    ctx.startTls();
                } else if (line.equals("QUIT")) {
                    ctx.send("+BYE\r\n");
                    ctx.close();
                } else if (line.equals("BOOM")) {
                    throw new IllegalStateException("boom requested");
                } else if (line.startsWith("SLOW ")) {
                    String word = line.substring(5);
                    ctx.awaitBlocking(() -> word.toUpperCase(), (v, e) -> ctx.send("+SLOW " + v + "\r\n"));
                } else {
                    ctx.send("+ECHO " + line + "\r\n");
                }
            }
        }

        @Override
        public void onTlsStarted(SessionContext ctx, javax.net.ssl.SSLSession session) {
            ctx.send("+TLS " + session.getProtocol() + "\r\n");
        }

        @Override
        public void onIdleTimeout(SessionContext ctx) {
            ctx.send("-TIMEOUT\r\n");
            ctx.close();
        }

        @Override
        public void onShutdown(SessionContext ctx) {
            ctx.send("-SHUTDOWN\r\n");
            ctx.close();
        }
    }
}
