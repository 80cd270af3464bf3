package org.postroom.imap.codec;

import org.postroom.imap.codec.FetchAttribute.BodySection;
import org.postroom.imap.codec.FetchAttribute.SectionText;
import org.postroom.imap.codec.FetchAttribute.Simple;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses one complete command (as framed by {@link ImapDecoder}, literals inline) into an {@link
 * ImapRequest}: tag, verb, atoms, quoted strings, literals {@code {n}}/{@code {n+}}, parenthesised
 * lists, sequence sets, fetch attributes and search keys (RFC 3501 section 9 grammar, a little
 * lenient where common clients are). A syntax error is an {@link ImapParseException} carrying the tag.
 */
public final class ImapParser {

    private static final Map<String, String> HEADER_KEYS = Map.of(
            "FROM", "From", "TO", "To", "CC", "Cc", "BCC", "Bcc", "SUBJECT", "Subject");

    private final byte[] b;
    private int p;
    private String tag;
    private Charset charset = StandardCharsets.UTF_8;

    private ImapParser(byte[] bytes) {
        this.b = bytes;
    }

    public static ImapRequest parse(byte[] command) throws ImapParseException {
        return new ImapParser(command).request();
    }

    private ImapRequest request() throws ImapParseException {
        tag = null;
        String t = atomChars(true);
        if (t.isEmpty() || t.indexOf('+') >= 0) {
            throw new ImapParseException(null, "Missing or invalid tag");
        }
        tag = t;
        if (atEnd()) {
            throw error("Missing command");
        }
        sp();
        String verb = atom().toUpperCase(Locale.ROOT);
        ImapCommand cmd;
        try {
            cmd = command(verb);
        } catch (RuntimeException e) {
            throw error(e.getMessage() == null ? "Invalid arguments" : e.getMessage());
        }
        end();
        return new ImapRequest(tag, cmd);
    }

    private ImapCommand command(String verb) throws ImapParseException {
        switch (verb) {
            case "CAPABILITY": return new ImapCommand.Capability();
            case "NOOP": return new ImapCommand.Noop();
            case "LOGOUT": return new ImapCommand.Logout();
            case "CHECK": return new ImapCommand.Check();
            case "CLOSE": return new ImapCommand.Close();
            case "UNSELECT": return new ImapCommand.Unselect();
            case "IDLE": return new ImapCommand.Idle();
            case "NAMESPACE": return new ImapCommand.Namespace();
            case "STARTTLS": return new ImapCommand.StartTls();
            case "LOGIN": {
                sp();
                String user = astring();
                sp();
                return new ImapCommand.Login(user, astring());
            }
            case "AUTHENTICATE": {
                sp();
                String mech = atom().toUpperCase(Locale.ROOT);
                String ir = null;
                if (peekIs(' ')) {
                    sp();
                    ir = atomChars(false);
                }
                return new ImapCommand.Authenticate(mech, ir);
            }
            case "SELECT":
            case "EXAMINE": {
                sp();
                String mbox = mailbox();
                skipOptionalParams();
                return new ImapCommand.Select(mbox, verb.equals("EXAMINE"));
            }
            case "CREATE": {
                sp();
                String mbox = mailbox();
                skipOptionalParams();
                return new ImapCommand.Create(mbox);
            }
            case "DELETE": sp(); return new ImapCommand.Delete(mailbox());
            case "SUBSCRIBE": sp(); return new ImapCommand.Subscribe(mailbox(), true);
            case "UNSUBSCRIBE": sp(); return new ImapCommand.Subscribe(mailbox(), false);
            case "RENAME": {
                sp();
                String from = mailbox();
                sp();
                return new ImapCommand.Rename(from, mailbox());
            }
            case "LIST":
            case "LSUB": {
                sp();
                String ref = mailbox();
                sp();
                return new ImapCommand.ListMailboxes(ref, listMailbox(), verb.equals("LSUB"));
            }
            case "STATUS": {
                sp();
                String mbox = mailbox();
                sp();
                expect('(');
                List<String> items = new ArrayList<>();
                while (!peekIs(')')) {
                    if (!items.isEmpty()) {
                        sp();
                    }
                    String item = atom().toUpperCase(Locale.ROOT);
                    if (!List.of("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN").contains(item)) {
                        throw error("Unknown STATUS item " + item);
                    }
                    items.add(item);
                }
                expect(')');
                return new ImapCommand.Status(mbox, items);
            }
            case "APPEND": return append();
            case "EXPUNGE": return new ImapCommand.Expunge(null);
            case "SEARCH": return search(false);
            case "FETCH": return fetch(false);
            case "STORE": return store(false);
            case "COPY": return copy(false, false);
            case "MOVE": return copy(false, true);
            case "UID": {
                sp();
                String sub = atom().toUpperCase(Locale.ROOT);
                switch (sub) {
                    case "FETCH": return fetch(true);
                    case "STORE": return store(true);
                    case "COPY": return copy(true, false);
                    case "MOVE": return copy(true, true);
                    case "SEARCH": return search(true);
                    case "EXPUNGE": sp(); return new ImapCommand.Expunge(sequenceSet());
                    default: throw error("Unknown UID command " + sub);
                }
            }
            case "ID": {
                sp();
                if (peekWord("NIL")) {
                    atom();
                    return new ImapCommand.Id(null);
                }
                expect('(');
                List<String> params = new ArrayList<>();
                while (!peekIs(')')) {
                    if (!params.isEmpty()) {
                        sp();
                    }
                    params.add(string());
                    sp();
                    params.add(nstring());
                }
                expect(')');
                return new ImapCommand.Id(params);
            }
            case "ENABLE": {
                List<String> caps = new ArrayList<>();
                while (peekIs(' ')) {
                    sp();
                    caps.add(atom().toUpperCase(Locale.ROOT));
                }
                if (caps.isEmpty()) {
                    throw error("ENABLE needs a capability");
                }
                return new ImapCommand.Enable(caps);
            }
            default:
                throw error("Unknown command " + verb);
        }
    }

    private ImapCommand append() throws ImapParseException {
        sp();
        String mbox = mailbox();
        sp();
        List<String> flags = List.of();
        ZonedDateTime date = null;
        if (peekIs('(')) {
            flags = flagList();
            sp();
        }
        if (peekIs('"')) {
            date = dateTime(quoted());
            sp();
        }
        if (!peekIs('{')) {
            throw error("APPEND needs the message as a literal");
        }
        byte[] message = literalBytes();
        return new ImapCommand.Append(mbox, flags, date, message);
    }

    private ImapCommand copy(boolean uid, boolean move) throws ImapParseException {
        sp();
        SequenceSet set = sequenceSet();
        sp();
        return new ImapCommand.Copy(uid, set, mailbox(), move);
    }

    private ImapCommand store(boolean uid) throws ImapParseException {
        sp();
        SequenceSet set = sequenceSet();
        sp();
        String item = atom().toUpperCase(Locale.ROOT);
        ImapCommand.StoreMode mode = ImapCommand.StoreMode.REPLACE;
        if (item.startsWith("+")) {
            mode = ImapCommand.StoreMode.ADD;
            item = item.substring(1);
        } else if (item.startsWith("-")) {
            mode = ImapCommand.StoreMode.REMOVE;
            item = item.substring(1);
        }
        boolean silent = false;
        if (item.equals("FLAGS.SILENT")) {
            silent = true;
        } else if (!item.equals("FLAGS")) {
            throw error("STORE supports FLAGS, +FLAGS, -FLAGS (and .SILENT), not " + item);
        }
        sp();
        List<String> flags;
        if (peekIs('(')) {
            flags = flagList();
        } else {
            flags = new ArrayList<>();
            flags.add(flag());
            while (peekIs(' ')) {
                sp();
                flags.add(flag());
            }
        }
        return new ImapCommand.Store(uid, set, mode, silent, flags);
    }

    // ---- FETCH

    private ImapCommand fetch(boolean uid) throws ImapParseException {
        sp();
        SequenceSet set = sequenceSet();
        sp();
        List<FetchAttribute> atts = new ArrayList<>();
        if (peekIs('(')) {
            expect('(');
            while (!peekIs(')')) {
                if (!atts.isEmpty()) {
                    sp();
                }
                fetchAttribute(atts);
            }
            expect(')');
        } else {
            fetchAttribute(atts);
        }
        if (atts.isEmpty()) {
            throw error("FETCH needs attributes");
        }
        skipOptionalParams();
        return new ImapCommand.Fetch(uid, set, atts);
    }

    private void fetchAttribute(List<FetchAttribute> out) throws ImapParseException {
        int start = p;
        while (p < b.length && b[p] != '[' && b[p] != ' ' && b[p] != ')' && b[p] != '\r' && b[p] != '\n') {
            p++;
        }
        String name = new String(b, start, p - start, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        switch (name) {
            case "ALL" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE));
            case "FAST" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE));
            case "FULL" -> out.addAll(List.of(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE, Simple.ENVELOPE,
                    Simple.BODY));
            case "FLAGS" -> out.add(Simple.FLAGS);
            case "INTERNALDATE" -> out.add(Simple.INTERNALDATE);
            case "RFC822.SIZE" -> out.add(Simple.RFC822_SIZE);
            case "ENVELOPE" -> out.add(Simple.ENVELOPE);
            case "UID" -> out.add(Simple.UID);
            case "BODYSTRUCTURE" -> out.add(Simple.BODYSTRUCTURE);
            case "RFC822" -> out.add(Simple.RFC822);
            case "RFC822.HEADER" -> out.add(Simple.RFC822_HEADER);
            case "RFC822.TEXT" -> out.add(Simple.RFC822_TEXT);
            case "BODY", "BODY.PEEK" -> {
                if (!peekIs('[')) {
                    if (name.equals("BODY.PEEK")) {
                        throw error("BODY.PEEK needs a section");
                    }
                    out.add(Simple.BODY);
                    return;
                }
                out.add(section(name.equals("BODY.PEEK")));
            }
            default -> throw error("Unknown FETCH attribute " + (name.isEmpty() ? "(none)" : name));
        }
    }

    private BodySection section(boolean peek) throws ImapParseException {
        expect('[');
        List<Integer> part = new ArrayList<>();
        SectionText text = SectionText.ALL;
        List<String> fields = List.of();
        while (p < b.length && b[p] >= '0' && b[p] <= '9') {
            part.add((int) number());
            if (peekIs('.')) {
                p++;
            } else {
                break;
            }
        }
        if (!peekIs(']')) {
            int start = p;
            while (p < b.length && (Character.isLetter(b[p]) || b[p] == '.')) {
                p++;
            }
            String spec = new String(b, start, p - start, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
            switch (spec) {
                case "HEADER" -> text = SectionText.HEADER;
                case "TEXT" -> text = SectionText.TEXT;
                case "MIME" -> {
                    if (part.isEmpty()) {
                        throw error("MIME needs a part number");
                    }
                    text = SectionText.MIME;
                }
                case "HEADER.FIELDS", "HEADER.FIELDS.NOT" -> {
                    text = spec.endsWith("NOT") ? SectionText.HEADER_FIELDS_NOT : SectionText.HEADER_FIELDS;
                    sp();
                    expect('(');
                    List<String> names = new ArrayList<>();
                    while (!peekIs(')')) {
                        if (!names.isEmpty()) {
                            sp();
                        }
                        names.add(astring().toUpperCase(Locale.ROOT));
                    }
                    expect(')');
                    if (names.isEmpty()) {
                        throw error("HEADER.FIELDS needs field names");
                    }
                    fields = names;
                }
                default -> throw error("Unknown section " + spec);
            }
        }
        expect(']');
        long origin = -1;
        long length = -1;
        if (peekIs('<')) {
            p++;
            origin = number();
            expect('.');
            length = number();
            if (length == 0) {
                throw error("Partial length must be positive");
            }
            expect('>');
        }
        return new BodySection(part, text, fields, peek, origin, length);
    }

    // ---- SEARCH

    private ImapCommand search(boolean uid) throws ImapParseException {
        sp();
        String cs = null;
        if (peekWord("CHARSET")) {
            atom();
            sp();
            cs = astring();
            try {
                charset = Charset.forName(cs);
            } catch (RuntimeException e) {
                throw error("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset " + cs);
            }
            sp();
        }
        List<SearchKey> keys = new ArrayList<>();
        keys.add(searchKey());
        while (peekIs(' ')) {
            sp();
            keys.add(searchKey());
        }
        return new ImapCommand.Search(uid, cs, keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys));
    }

    private SearchKey searchKey() throws ImapParseException {
        if (peekIs('(')) {
            p++;
            List<SearchKey> keys = new ArrayList<>();
            keys.add(searchKey());
            while (peekIs(' ')) {
                sp();
                keys.add(searchKey());
            }
            expect(')');
            return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        }
        if (p < b.length && ((b[p] >= '0' && b[p] <= '9') || b[p] == '*')) {
            return new SearchKey.Sequence(sequenceSet());
        }
        String key = atom().toUpperCase(Locale.ROOT);
        switch (key) {
            case "ALL": return new SearchKey.All();
            case "ANSWERED": return new SearchKey.Flag("\\Answered", true);
            case "DELETED": return new SearchKey.Flag("\\Deleted", true);
            case "DRAFT": return new SearchKey.Flag("\\Draft", true);
            case "FLAGGED": return new SearchKey.Flag("\\Flagged", true);
            case "SEEN": return new SearchKey.Flag("\\Seen", true);
            case "UNANSWERED": return new SearchKey.Flag("\\Answered", false);
            case "UNDELETED": return new SearchKey.Flag("\\Deleted", false);
            case "UNDRAFT": return new SearchKey.Flag("\\Draft", false);
            case "UNFLAGGED": return new SearchKey.Flag("\\Flagged", false);
            case "UNSEEN": return new SearchKey.Flag("\\Seen", false);
            case "RECENT": return new SearchKey.Recent(true);
            case "OLD": return new SearchKey.Recent(false);
            case "NEW": return new SearchKey.New();
            case "KEYWORD": sp(); return new SearchKey.Flag(atom(), true);
            case "UNKEYWORD": sp(); return new SearchKey.Flag(atom(), false);
            case "FROM", "TO", "CC", "BCC", "SUBJECT": sp(); return new SearchKey.Header(HEADER_KEYS.get(key), astring());
            case "HEADER": {
                sp();
                String field = astring();
                sp();
                return new SearchKey.Header(field, astring());
            }
            case "BODY": sp(); return new SearchKey.Body(astring());
            case "TEXT": sp(); return new SearchKey.Text(astring());
            case "BEFORE": sp(); return new SearchKey.DateKey(SearchKey.DateOp.BEFORE, searchDate(), true);
            case "ON": sp(); return new SearchKey.DateKey(SearchKey.DateOp.ON, searchDate(), true);
            case "SINCE": sp(); return new SearchKey.DateKey(SearchKey.DateOp.SINCE, searchDate(), true);
            case "SENTBEFORE": sp(); return new SearchKey.DateKey(SearchKey.DateOp.BEFORE, searchDate(), false);
            case "SENTON": sp(); return new SearchKey.DateKey(SearchKey.DateOp.ON, searchDate(), false);
            case "SENTSINCE": sp(); return new SearchKey.DateKey(SearchKey.DateOp.SINCE, searchDate(), false);
            case "LARGER": sp(); return new SearchKey.Size(true, number());
            case "SMALLER": sp(); return new SearchKey.Size(false, number());
            case "UID": sp(); return new SearchKey.Uid(sequenceSet());
            case "NOT": sp(); return new SearchKey.Not(searchKey());
            case "OR": {
                sp();
                SearchKey left = searchKey();
                sp();
                return new SearchKey.Or(left, searchKey());
            }
            default: throw error("Unknown search key " + key);
        }
    }

    private static final DateTimeFormatter SEARCH_DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);

    private LocalDate searchDate() throws ImapParseException {
        String s = peekIs('"') ? quoted() : atom();
        try {
            return LocalDate.parse(capitalizeMonth(s), SEARCH_DATE);
        } catch (DateTimeParseException e) {
            throw error("Bad date \"" + s + "\", expected like 1-Feb-2026");
        }
    }

    static ZonedDateTime dateTime(String s) {
        String t = capitalizeMonth(s.trim());
        try {
            return ZonedDateTime.parse(t, DATE_TIME);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Bad date-time \"" + s + "\"");
        }
    }

    private static String capitalizeMonth(String s) {
        int a = s.indexOf('-');
        if (a < 0 || a + 4 > s.length()) {
            return s;
        }
        return s.substring(0, a + 1) + Character.toUpperCase(s.charAt(a + 1))
                + s.substring(a + 2, a + 4).toLowerCase(Locale.ROOT) + s.substring(a + 4);
    }

    // ---- lexical pieces

    private List<String> flagList() throws ImapParseException {
        expect('(');
        List<String> flags = new ArrayList<>();
        while (!peekIs(')')) {
            if (!flags.isEmpty()) {
                sp();
            }
            flags.add(flag());
        }
        expect(')');
        return flags;
    }

    private String flag() throws ImapParseException {
        if (peekIs('\\')) {
            p++;
            String name = atom();
            return "\\" + name;
        }
        return atom();
    }

    private SequenceSet sequenceSet() throws ImapParseException {
        int start = p;
        while (p < b.length && ((b[p] >= '0' && b[p] <= '9') || b[p] == ':' || b[p] == ',' || b[p] == '*')) {
            p++;
        }
        String s = new String(b, start, p - start, StandardCharsets.US_ASCII);
        try {
            return SequenceSet.parse(s);
        } catch (IllegalArgumentException e) {
            throw error("Invalid sequence set: " + e.getMessage());
        }
    }

    private String mailbox() throws ImapParseException {
        String name = astring();
        return name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
    }

    private String listMailbox() throws ImapParseException {
        if (peekIs('"') || peekIs('{')) {
            return string();
        }
        int start = p;
        while (p < b.length && b[p] > ' ' && b[p] < 127 && b[p] != '(' && b[p] != ')' && b[p] != '"'
                && b[p] != '{') {
            p++;
        }
        if (p == start) {
            throw error("Missing mailbox pattern");
        }
        return new String(b, start, p - start, StandardCharsets.US_ASCII);
    }

    private void skipOptionalParams() throws ImapParseException {
        if (peekIs(' ') && p + 1 < b.length && b[p + 1] == '(') {
            p++;
            int depth = 0;
            do {
                if (p >= b.length) {
                    throw error("Unbalanced parentheses");
                }
                if (b[p] == '(') {
                    depth++;
                } else if (b[p] == ')') {
                    depth--;
                }
                p++;
            } while (depth > 0);
        }
    }

    private long number() throws ImapParseException {
        int start = p;
        while (p < b.length && b[p] >= '0' && b[p] <= '9' && p - start < 18) {
            p++;
        }
        if (p == start) {
            throw error("Number expected");
        }
        return Long.parseLong(new String(b, start, p - start, StandardCharsets.US_ASCII));
    }

    private String astring() throws ImapParseException {
        if (peekIs('"') || peekIs('{')) {
            return string();
        }
        String a = atomChars(false);
        if (a.isEmpty()) {
            throw error("Argument expected");
        }
        return a;
    }

    private String nstring() throws ImapParseException {
        if (peekWord("NIL")) {
            atom();
            return null;
        }
        return string();
    }

    private String string() throws ImapParseException {
        if (peekIs('"')) {
            return quoted();
        }
        if (peekIs('{')) {
            return new String(literalBytes(), charset);
        }
        throw error("String expected");
    }

    private String quoted() throws ImapParseException {
        expect('"');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            if (p >= b.length || b[p] == '\r' || b[p] == '\n') {
                throw error("Unterminated quoted string");
            }
            byte c = b[p++];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                if (p >= b.length || (b[p] != '"' && b[p] != '\\')) {
                    throw error("Bad escape in quoted string");
                }
                c = b[p++];
            }
            out.write(c);
        }
        return out.toString(charset);
    }

    private byte[] literalBytes() throws ImapParseException {
        expect('{');
        long n = number();
        if (peekIs('+')) {
            p++;
        }
        expect('}');
        if (peekIs('\r')) {
            p++;
        }
        expect('\n');
        if (n > b.length - p) {
            throw error("Truncated literal");
        }
        byte[] out = java.util.Arrays.copyOfRange(b, p, p + (int) n);
        p += (int) n;
        return out;
    }

    /** An atom; astring-chars (with ']') when {@code tag} is false, tag chars otherwise. */
    private String atomChars(boolean forTag) {
        int start = p;
        while (p < b.length) {
            byte c = b[p];
            if (c <= ' ' || c >= 127 || c == '(' || c == ')' || c == '{' || c == '"' || c == '\\' && forTag
                    || c == '%' || c == '*' && forTag || (forTag && c == ']')) {
                break;
            }
            p++;
        }
        return new String(b, start, p - start, StandardCharsets.US_ASCII);
    }

    private String atom() throws ImapParseException {
        int start = p;
        while (p < b.length) {
            byte c = b[p];
            if (c <= ' ' || c >= 127 || c == '(' || c == ')' || c == '{' || c == '"' || c == '%' || c == '*'
                    || c == ']' || c == '[' || c == '\\') {
                break;
            }
            p++;
        }
        if (p == start) {
            throw error(p >= b.length || b[p] == '\r' || b[p] == '\n' ? "Missing argument" : "Atom expected");
        }
        return new String(b, start, p - start, StandardCharsets.US_ASCII);
    }

    private boolean peekIs(char c) {
        return p < b.length && b[p] == c;
    }

    private boolean peekWord(String w) {
        int n = w.length();
        if (p + n > b.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (Character.toUpperCase(b[p + i]) != w.charAt(i)) {
                return false;
            }
        }
        return p + n == b.length || b[p + n] == ' ' || b[p + n] == '\r' || b[p + n] == '\n' || b[p + n] == ')';
    }

    private void sp() throws ImapParseException {
        if (!peekIs(' ')) {
            throw error(atEnd() ? "Missing argument" : "Space expected");
        }
        p++;
    }

    private void expect(char c) throws ImapParseException {
        if (!peekIs(c)) {
            throw error("'" + c + "' expected");
        }
        p++;
    }

    private boolean atEnd() {
        return p >= b.length || b[p] == '\r' || b[p] == '\n';
    }

    private void end() throws ImapParseException {
        if (peekIs('\r')) {
            p++;
        }
        if (p < b.length && b[p] == '\n') {
            p++;
        }
        if (p != b.length) {
            throw error("Unexpected characters at end of command");
        }
    }

    private ImapParseException error(String message) {
        return new ImapParseException(tag, message);
    }
}
