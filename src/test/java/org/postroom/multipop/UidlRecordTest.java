package org.postroom.multipop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UidlRecordTest {
    @TempDir
    Path dir;

    @Test
    void recordedUidlsShouldSurviveReopening() throws Exception {
        UidlRecord r = UidlRecord.open(dir, "bob@pop.example.net:110->alice@example.test");
        r.add("uid-1");
        r.add("uid-2");
        r.add("uid-1");
        UidlRecord again = UidlRecord.open(dir, "bob@pop.example.net:110->alice@example.test");
        assertEquals(Set.of("uid-1", "uid-2"), again.uids());
        assertEquals("uid-1\nuid-2\n", Files.readString(again.file()));
    }

    @Test
    void aTornLastAppendShouldBeIgnoredAndRemoved() throws Exception {
        UidlRecord r = UidlRecord.open(dir, "src");
        r.add("complete");
        Files.write(r.file(), "half-writ".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
        UidlRecord again = UidlRecord.open(dir, "src");
        assertEquals(Set.of("complete"), again.uids());
        again.add("next");
        assertEquals(Set.of("complete", "next"), UidlRecord.open(dir, "src").uids());
    }

    @Test
    void retainOnlyShouldForgetUidlsGoneFromTheServerAndLeaveNoTempFile() throws Exception {
        UidlRecord r = UidlRecord.open(dir, "src");
        for (String uid : List.of("a", "b", "c")) {
            r.add(uid);
        }
        r.retainOnly(List.of("b", "c", "d"));
        assertEquals(Set.of("b", "c"), UidlRecord.open(dir, "src").uids());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void sourcesShouldHaveDistinctSafeFileNames() {
        Path a = UidlRecord.fileFor(dir, "u@h:110->a@example.test");
        Path b = UidlRecord.fileFor(dir, "u@h:110->a@example_test");
        assertNotEquals(a, b);
        assertEquals(dir, a.getParent());
        assertFalse(a.getFileName().toString().contains(">"));
        assertTrue(UidlRecord.fileFor(dir, "../../etc/passwd").getParent().equals(dir));
    }

    @Test
    void aUidlWithSpacesOrLineBreaksShouldBeRefused() throws Exception {
        UidlRecord r = UidlRecord.open(dir, "src");
        assertThrows(IllegalArgumentException.class, () -> r.add("two words"));
        assertThrows(IllegalArgumentException.class, () -> r.add("line\nbreak"));
    }
}
