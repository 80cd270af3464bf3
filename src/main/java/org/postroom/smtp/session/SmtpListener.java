package org.postroom.smtp.session;

/**
 * The two SMTP listeners and the policy that differs between them: {@code smtp} (port 25 role) takes
 * mail for local accounts from anyone and never relays; {@code msa} (submission, port 587 role) offers
 * AUTH PLAIN/LOGIN, requires it before MAIL, and lets the authenticated user send anywhere (by default
 * only from its own address: {@link SenderLoginPolicy}).
 */
public enum SmtpListener {
    SMTP("smtp", false),
    MSA("msa", true);

    private final String kind;
    private final boolean submission;

    SmtpListener(String kind, boolean submission) {
        this.kind = kind;
        this.submission = submission;
    }

    /** The listener's config key and metrics label. */
    public String kind() {
        return kind;
    }

    /** AUTH offered and required before MAIL; authenticated users may relay. */
    public boolean submission() {
        return submission;
    }
}
