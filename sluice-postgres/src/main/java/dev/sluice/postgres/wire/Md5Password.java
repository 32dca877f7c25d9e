package dev.sluice.postgres.wire;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.sluice.core.Secret;

/**
 * The client's answer to AuthenticationMD5Password:
 * {@code "md5" + hex(md5(hex(md5(password + user)) + salt))}, lower-case hex, 35 characters.
 *
 * <pre>
 * PasswordMessage payload returned by encode():
 * +-----------------------------------------+------+
 * | "md5" + 32 hex digits (ASCII, 35 bytes) | 0x00 |
 * +-----------------------------------------+------+
 * </pre>
 *
 * <p>The result is the complete, NUL-terminated payload, ready for
 * {@code new FrontendMessage.PasswordMessage(Md5Password.encode(...))}. MD5 authentication is deprecated by
 * PostgreSQL; prefer SCRAM ({@link Scram}).
 */
public final class Md5Password {
    private static final HexFormat HEX = HexFormat.of();

    private Md5Password() {
    }

    public static byte[] encode(String user, Secret password, byte[] salt) {
        if (salt.length != 4) {
            throw new WireException("MD5 salt of " + salt.length + " bytes (expected: 4)");
        }
        MessageDigest md5 = md5();
        md5.update(password.reveal().getBytes(StandardCharsets.UTF_8));
        md5.update(user.getBytes(StandardCharsets.UTF_8));
        byte[] inner = HEX.formatHex(md5.digest()).getBytes(StandardCharsets.US_ASCII);
        md5.update(inner);
        md5.update(salt);
        return PgStrings.cstring("md5" + HEX.formatHex(md5.digest()));
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides MD5", e);
        }
    }
}
