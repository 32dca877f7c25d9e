package dev.sluice.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain that makes the audit trail tamper-evident.
 *
 * <h2>Canonical encoding, version 1</h2>
 * <pre>
 *   hash(n)      = lowercase-hex( SHA-256( ascii(prev_hash(n)) || encode(row n) ) )
 *   prev_hash(1) = "0000...0000" (64 zeros, {@link #GENESIS}); prev_hash(n) = hash(n - 1)
 *
 *   encode(row)  = field("sluice-audit-v1")
 *                  field(seq) field(time_ms) field(kind) field(session) field(subject) field(groups)
 *                  field(connection) field(statement) field(verdict) field(rows) field(error) field(details)
 *
 *   field(s)     = uint32-big-endian( byte length of utf8(s) ) || utf8(s)
 *   numbers      = their decimal ASCII form (Long.toString: "-1", "42"), then field(...)
 *   groups       = the stored JSON array text, byte for byte; details = the stored JSON object text
 * </pre>
 * The length prefixes make the encoding injective (no two rows encode alike, whatever their text holds). Because
 * {@code seq} and {@code prev_hash} are inside the hash, an edited row breaks its own hash, a deleted row leaves a
 * gap in {@code seq} and a row moved to another place breaks both. JSON columns are hashed as stored, so the
 * chain verifies on any store that keeps TEXT intact; Sluice writes them canonically (sorted keys, no spaces,
 * {@link StoreJson}) so that the same event always has the same text.
 *
 * <p>The chain alone cannot reveal a removed tail (the newest rows) or a chain rewritten from some row onwards:
 * that needs a checkpoint of the head kept outside the database ({@link ChainAnchor}). Changing this encoding
 * means a new version tag, and verification by the tag of each row.
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class ChainHash {
    /** The {@code prev_hash} of the first row. */
    static final String GENESIS = "0".repeat(64);

    private static final byte[] VERSION = "sluice-audit-v1".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    private final MessageDigest digest;
    /** The whole input of one hash, gathered first: one digest update per row instead of two per field. */
    private byte[] input = new byte[1024];
    private int length;

    ChainHash() {
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** The row that follows {@code prevHash} at {@code seq}, with its hash. */
    AuditRow link(long seq, String prevHash, EventFields fields) {
        return new AuditRow(seq, fields, prevHash, hash(seq, prevHash, fields));
    }

    String hash(long seq, String prevHash, EventFields f) {
        length = 0;
        put(prevHash.getBytes(StandardCharsets.US_ASCII));
        field(VERSION);
        field(seq);
        field(f.timeMs());
        field(f.kind());
        field(f.session());
        field(f.subject());
        field(f.groups());
        field(f.connection());
        field(f.statement());
        field(f.verdict());
        field(f.rows());
        field(f.error());
        field(f.details());
        digest.reset();
        digest.update(input, 0, length);
        if (input.length > 1 << 20) {
            input = new byte[1024]; // one huge row does not keep a huge buffer
        }
        return HEX.formatHex(digest.digest());
    }

    private void field(long value) {
        field(Long.toString(value));
    }

    private void field(String value) {
        field(value.getBytes(StandardCharsets.UTF_8));
    }

    private void field(byte[] bytes) {
        room(Integer.BYTES + bytes.length);
        int n = bytes.length;
        input[length++] = (byte) (n >>> 24);
        input[length++] = (byte) (n >>> 16);
        input[length++] = (byte) (n >>> 8);
        input[length++] = (byte) n;
        put(bytes);
    }

    private void put(byte[] bytes) {
        room(bytes.length);
        System.arraycopy(bytes, 0, input, length, bytes.length);
        length += bytes.length;
    }

    private void room(int more) {
        if (length + more > input.length) {
            input = java.util.Arrays.copyOf(input, Math.max(input.length * 2, length + more));
        }
    }
}
