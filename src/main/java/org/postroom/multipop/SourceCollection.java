package org.postroom.multipop;

import org.postroom.config.Settings.PopSource;
import org.postroom.multipop.client.Pop3AuthException;
import org.postroom.multipop.client.Pop3Client;
import org.postroom.multipop.client.Pop3CommandException;
import org.postroom.multipop.client.Pop3Parse;
import org.postroom.multipop.client.Pop3ProtocolException;
import org.postroom.store.MaildirStore;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Collects one source once, blocking (run it on the MultiPOP dispatcher): connect, log in, UIDL, and for
 * each message not yet recorded RETR → deliver into the account's Maildir (fsynced) → record its UIDL
 * (fsynced) → DELE unless {@code leave-on-server}; then QUIT, which makes the server apply the DELEs.
 *
 * <p>Nothing is lost: a message is deleted on the server only after it is durably in the Maildir.
 * Nothing recorded is duplicated: the UIDL is recorded in both modes, so a message delivered in a run
 * that broke before QUIT (the server then keeps it) is only deleted next time. The one window left is
 * a crash between the Maildir fsync and the record's fsync, which can deliver that one message twice.
 * A server without UIDL is collected by message number when messages are deleted (no record, so a
 * break before QUIT re-delivers that run's messages) and refused with leave-on-server.
 */
public final class SourceCollection {

    /** Opens an authenticated-ready connection (greeting read, TLS applied) to a source. */
    @FunctionalInterface
    public interface Connector {
        Pop3Client connect(PopSource source) throws IOException;
    }

    /** Called on the collecting thread after each message is durably delivered. */
    @FunctionalInterface
    public interface DeliveryListener {
        void delivered(PopSource source);
    }

    private final MaildirStore store;
    private final Path recordDir;
    private final Connector connector;
    private final DeliveryListener listener;

    public SourceCollection(MaildirStore store, Path recordDir, Connector connector, DeliveryListener listener) {
        this.store = store;
        this.recordDir = recordDir;
        this.connector = connector;
        this.listener = listener;
    }

    /** The default connector: plain, STARTTLS or implicit TLS as the source says. */
    public static Connector connector(Pop3Client.Options options) {
        return s -> Pop3Client.connect(s.host(), s.port(), Pop3Client.Tls.parse(s.tls()), options);
    }

    public CollectionOutcome collect(PopSource source) {
        Pop3Client client;
        try {
            client = connector.connect(source);
        } catch (Pop3CommandException e) {
            // a -ERR greeting (busy server) or a refused STLS
            return new CollectionOutcome.Failed(e.verb().equals("greeting")
                    ? CollectionOutcome.Stage.GREETING : CollectionOutcome.Stage.CONNECT, e.getMessage(), 0);
        } catch (ConnectException | SocketTimeoutException | UnknownHostException e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.CONNECT, describe(e), 0);
        } catch (IOException | RuntimeException e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.CONNECT, describe(e), 0);
        }
        Run run = new Run(source, client);
        try {
            return run.go();
        } catch (Pop3AuthException e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.LOGIN, e.getMessage(), run.delivered);
        } catch (StoreFailure e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.STORE, describe(e.getCause()), run.delivered);
        } catch (IOException e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.PROTOCOL, describe(e), run.delivered);
        } catch (RuntimeException e) {
            return new CollectionOutcome.Failed(CollectionOutcome.Stage.INTERNAL, describe(e), run.delivered);
        } finally {
            client.close();
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof Pop3CommandException || e instanceof Pop3ProtocolException) {
            return e.getMessage();
        }
        if (e instanceof ConnectException) {
            return "connection refused: " + e.getMessage();
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** A local Maildir or record write failed: stop fetching, but still QUIT so earlier DELEs apply. */
    private static final class StoreFailure extends IOException {
        private static final long serialVersionUID = 1L;

        StoreFailure(IOException cause) {
            super(cause);
        }
    }

    private final class Run {
        final PopSource source;
        final Pop3Client client;
        int delivered;
        int deleted;
        int skipped;
        int tooLarge;
        java.util.Map<Integer, Long> sizes = java.util.Map.of();

        Run(PopSource source, Pop3Client client) {
            this.source = source;
            this.client = client;
        }

        CollectionOutcome go() throws IOException {
            client.login(source.user(), source.password(), true);
            Optional<List<Pop3Parse.UidlEntry>> listing = client.uidl();
            if (listing.isEmpty()) {
                if (source.leaveOnServer()) {
                    client.quit();
                    throw new Pop3ProtocolException("the server has no UIDL; leave-on-server needs it");
                }
                sizes = client.list().orElse(java.util.Map.of());
                return withoutUidl();
            }
            sizes = client.list().orElse(java.util.Map.of());
            UidlRecord record;
            try {
                record = UidlRecord.open(recordDir, source.id());
            } catch (IOException e) {
                throw new StoreFailure(e);
            }
            List<String> onServer = new ArrayList<>();
            StoreFailure storeFailure = null;
            for (Pop3Parse.UidlEntry entry : listing.get()) {
                onServer.add(entry.uid());
                if (storeFailure != null) {
                    continue;
                }
                if (record.contains(entry.uid())) {
                    if (source.leaveOnServer()) {
                        skipped++;
                    } else {
                        // Delivered in an earlier run that ended before QUIT: only delete it now.
                        client.dele(entry.number());
                        deleted++;
                    }
                    continue;
                }
                if (tooLarge(entry.number())) {
                    continue;
                }
                byte[] crlf = client.retr(entry.number());
                try {
                    store.deliver(source.account(), MaildirStore.crlfToLf(crlf));
                } catch (IOException e) {
                    storeFailure = new StoreFailure(e);
                    continue;
                }
                delivered++;
                listener.delivered(source);
                try {
                    record.add(entry.uid());
                } catch (IOException e) {
                    // Delivered but not recorded: deleting it is safe, leaving it would fetch it again.
                    storeFailure = new StoreFailure(e);
                    if (!source.leaveOnServer()) {
                        client.dele(entry.number());
                        deleted++;
                    }
                    continue;
                }
                if (!source.leaveOnServer()) {
                    client.dele(entry.number());
                    deleted++;
                }
            }
            client.quit();
            if (storeFailure != null) {
                throw storeFailure;
            }
            try {
                // Deleted messages stay recorded until a later listing no longer shows them.
                record.retainOnly(onServer);
            } catch (IOException e) {
                throw new StoreFailure(e);
            }
            return new CollectionOutcome.Collected(delivered, deleted, skipped, tooLarge);
        }

        /** A message LIST says is over the limit stays on the server, so the rest still comes. */
        private boolean tooLarge(int number) {
            Long size = sizes.get(number);
            if (size != null && size > client.maxMessageSize()) {
                tooLarge++;
                return true;
            }
            return false;
        }

        private CollectionOutcome withoutUidl() throws IOException {
            int count = client.stat().messages();
            for (int n = 1; n <= count; n++) {
                if (tooLarge(n)) {
                    continue;
                }
                byte[] crlf = client.retr(n);
                try {
                    store.deliver(source.account(), MaildirStore.crlfToLf(crlf));
                } catch (IOException e) {
                    client.quit();
                    throw new StoreFailure(e);
                }
                delivered++;
                listener.delivered(source);
                client.dele(n);
                deleted++;
            }
            client.quit();
            return new CollectionOutcome.Collected(delivered, deleted, 0, tooLarge);
        }
    }
}
