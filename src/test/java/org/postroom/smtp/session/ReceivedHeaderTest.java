package org.postroom.smtp.session;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Received: date is formatted once per second and offset, and always as the formatter would. */
class ReceivedHeaderTest {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    @Test
    void theCachedDateShouldEqualTheFormattersForEverySecondAndOffset() {
        Instant base = Instant.parse("2026-11-29T16:59:59.250Z");
        ZoneId[] zones = {ZoneOffset.UTC, ZoneId.of("Europe/Berlin"), ZoneOffset.ofHoursMinutes(-3, -30)};
        for (int step = 0; step < 8; step++) {
            Instant at = base.plusMillis(step * 400L); // two or three calls within each second
            for (ZoneId zone : zones) {
                ZonedDateTime when = at.atZone(zone);
                assertEquals(RFC5322.format(when), ReceivedHeader.date(when), when.toString());
                assertEquals(RFC5322.format(when), ReceivedHeader.date(when), "asked twice: " + when);
            }
        }
    }
}
