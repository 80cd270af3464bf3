package org.postroom.pop3.codec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Pop3ReplyTest {

    @Test
    void serverTooBusyShouldBeTheExactContractLine() {
        assertEquals("-ERR Server Too Busy\r\n", Pop3Reply.serverTooBusy().encode().utf8String());
    }

    @Test
    void responseCodesShouldFollowRfc2449() {
        assertEquals("-ERR [IN-USE] mailbox locked\r\n", Pop3Reply.mailboxInUse().encode().utf8String());
        assertEquals("-ERR [AUTH] Invalid credentials\r\n", Pop3Reply.authFailed().encode().utf8String());
    }

    @Test
    void multiLineRepliesShouldBeDotStuffedAndTerminated() {
        Pop3Reply reply = new Pop3Reply.MultiLine("list", List.of("1 20", ".hidden", ""));
        assertEquals("+OK list\r\n1 20\r\n..hidden\r\n\r\n.\r\n", reply.encode().utf8String());
    }

    @Test
    void unknownCommandShouldNotEchoControlCharacters() {
        assertEquals("-ERR Unknown command A?B\r\n", Pop3Reply.unknownCommand("A\u001bB").encode().utf8String());
    }
}
