package org.postroom.imap.codec;

import java.util.List;

/** One item of a FETCH request (macros ALL/FAST/FULL are expanded by the parser). */
public sealed interface FetchAttribute {

    enum Simple implements FetchAttribute {
        FLAGS, INTERNALDATE, RFC822_SIZE, ENVELOPE, UID, BODYSTRUCTURE, BODY, RFC822, RFC822_HEADER, RFC822_TEXT
    }

    /** What a body section names after its part number. */
    enum SectionText { ALL, HEADER, HEADER_FIELDS, HEADER_FIELDS_NOT, TEXT, MIME }

    /**
     * {@code BODY[part.text (fields)]<origin.length>}: {@code part} is empty for the whole message;
     * {@code partialOrigin} is -1 when no partial range was given.
     */
    record BodySection(List<Integer> part, SectionText text, List<String> fields, boolean peek,
                       long partialOrigin, long partialLength) implements FetchAttribute {

        public BodySection {
            part = List.copyOf(part);
            fields = List.copyOf(fields);
        }

        /** The section as echoed in the response: {@code BODY[1.HEADER.FIELDS (SUBJECT)]<0>}. */
        public String responseName() {
            StringBuilder sb = new StringBuilder("BODY[");
            for (int i = 0; i < part.size(); i++) {
                if (i > 0) {
                    sb.append('.');
                }
                sb.append(part.get(i));
            }
            if (text != SectionText.ALL) {
                if (!part.isEmpty()) {
                    sb.append('.');
                }
                sb.append(switch (text) {
                    case HEADER -> "HEADER";
                    case HEADER_FIELDS -> "HEADER.FIELDS";
                    case HEADER_FIELDS_NOT -> "HEADER.FIELDS.NOT";
                    case TEXT -> "TEXT";
                    case MIME -> "MIME";
                    default -> "";
                });
                if (text == SectionText.HEADER_FIELDS || text == SectionText.HEADER_FIELDS_NOT) {
                    sb.append(" (").append(String.join(" ", fields)).append(')');
                }
            }
            sb.append(']');
            if (partialOrigin >= 0) {
                sb.append('<').append(partialOrigin).append('>');
            }
            return sb.toString();
        }
    }
}
