package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The chain's hash is the documented encoding, computed here field by field as the class comment writes it. */
class ChainHashTest {

    @Test
    void theHashIsTheDocumentedEncodingOfTheRow() throws Exception {
        ChainHash chain = new ChainHash();
        String prev = ChainHash.GENESIS;
        for (int i = 1; i <= 50; i++) {
            String details = "{\"content\":\"" + "é😀x".repeat(i * 40) + "\"}"; // rows past the first buffer size
            EventFields row = new EventFields(1_700_000_000_000L + i, "command", "s-" + i, "alice", "[\"sre\"]",
                    "prod", "SELECT " + i, i % 2 == 0 ? "allow" : "deny", i - 2, i % 3 == 0 ? "" : "boom", details);
            String hash = chain.hash(i, prev, row);
            assertThat(hash).isEqualTo(reference(i, prev, row));
            prev = hash;
        }
    }

    private static String reference(long seq, String prev, EventFields f) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(prev.getBytes(StandardCharsets.US_ASCII));
        for (String field : new String[] {"sluice-audit-v1", Long.toString(seq), Long.toString(f.timeMs()), f.kind(),
            f.session(), f.subject(), f.groups(), f.connection(), f.statement(), f.verdict(), Long.toString(f.rows()),
            f.error(), f.details()}) {
            byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
            digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
            digest.update(bytes);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
