package dev.sluice.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Signing, checking and storing checkpoints.
 *
 * <h2>Canonical encoding, version 1</h2>
 * <pre>
 *   signed bytes = field("sluice-checkpoint-v1") field(seq) field(hash) field(time_ms)
 *   field(s)     = uint32-big-endian( byte length of utf8(s) ) || utf8(s); numbers in decimal ASCII
 *   signature    = Ed25519(private key, signed bytes), stored base64
 * </pre>
 * Stateless; callers own the connections.
 */
final class Checkpoints {
    static final String COLUMNS = "seq, hash, time_ms, key_id, signature";
    static final String SELECT_ALL_IN_ORDER = "SELECT " + COLUMNS + " FROM audit_checkpoint ORDER BY seq";
    private static final String LATEST = "SELECT " + COLUMNS + " FROM audit_checkpoint ORDER BY seq DESC LIMIT 1";
    private static final String INSERT = "INSERT INTO audit_checkpoint (" + COLUMNS + ") VALUES (?,?,?,?,?)";
    private static final String VERSION = "sluice-checkpoint-v1";

    private Checkpoints() {
    }

    static byte[] canonical(long seq, String hash, long timeMs) {
        byte[][] fields = {bytes(VERSION), bytes(Long.toString(seq)), bytes(hash), bytes(Long.toString(timeMs))};
        int size = 0;
        for (byte[] field : fields) {
            size += Integer.BYTES + field.length;
        }
        ByteBuffer result = ByteBuffer.allocate(size);
        for (byte[] field : fields) {
            result.putInt(field.length).put(field);
        }
        return result.array();
    }

    /** Signs {@code head} as of {@code time} (kept to the millisecond, as stored). */
    static Checkpoint sign(AuditSigningKey key, ChainHead head, Instant time) {
        long timeMs = time.toEpochMilli();
        byte[] signature = key.sign(canonical(head.seq(), head.hash(), timeMs));
        return new Checkpoint(head.seq(), head.hash(), Instant.ofEpochMilli(timeMs), key.keyId(),
                Base64.getEncoder().encodeToString(signature));
    }

    /** True only when {@code checkpoint} carries a valid signature by {@code key}; malformed signatures are false. */
    static boolean verifies(Checkpoint checkpoint, PublicKey key) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(canonical(checkpoint.seq(), checkpoint.hash(), checkpoint.time().toEpochMilli()));
            return verifier.verify(Base64.getDecoder().decode(checkpoint.signature()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static void insert(Connection connection, Checkpoint checkpoint) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setLong(1, checkpoint.seq());
            insert.setString(2, checkpoint.hash());
            insert.setLong(3, checkpoint.time().toEpochMilli());
            insert.setString(4, checkpoint.keyId());
            insert.setString(5, checkpoint.signature());
            insert.executeUpdate();
        }
    }

    static Optional<Checkpoint> latest(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(LATEST)) {
            return rs.next() ? Optional.of(read(rs)) : Optional.empty();
        }
    }

    /** Reads the checkpoint under the cursor; NULLs (only a hand-edited store has them) read as empty text. */
    static Checkpoint read(ResultSet rs) throws SQLException {
        return new Checkpoint(rs.getLong(1), text(rs, 2), Instant.ofEpochMilli(rs.getLong(3)), text(rs, 4),
                text(rs, 5));
    }

    private static String text(ResultSet rs, int column) throws SQLException {
        String value = rs.getString(column);
        return value == null ? "" : value;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
