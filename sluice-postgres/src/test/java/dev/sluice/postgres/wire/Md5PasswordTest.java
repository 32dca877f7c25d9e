package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;

class Md5PasswordTest {
    /** The formula, written independently: md5 of the hex string of md5(password || user), then the salt. */
    private static String expected(String user, String password, byte[] salt) throws Exception {
        String inner = hex(MessageDigest.getInstance("MD5").digest((password + user).getBytes(StandardCharsets.UTF_8)));
        MessageDigest outer = MessageDigest.getInstance("MD5");
        outer.update(inner.getBytes(StandardCharsets.US_ASCII));
        outer.update(salt);
        return "md5" + hex(outer.digest());
    }

    private static String hex(byte[] digest) {
        return String.format("%032x", new BigInteger(1, digest));
    }

    @Test
    void encodesMd5OfTheHexInnerDigestAndSaltAsANulTerminatedPayload() throws Exception {
        byte[] salt = {(byte) 0x9a, 0x01, (byte) 0xff, 0x10};

        byte[] encoded = Md5Password.encode("agent", Secret.of("s3cret"), salt);

        String expected = expected("agent", "s3cret", salt);
        assertThat(encoded).hasSize(36).endsWith(0);
        assertThat(new String(encoded, 0, 35, StandardCharsets.US_ASCII)).isEqualTo(expected);
        assertThat(FrontendMessage.passwordText(new FrontendMessage.PasswordMessage(encoded))).isEqualTo(expected);
    }

    @Test
    void dependsOnUserPasswordAndSalt() {
        byte[] salt = {1, 2, 3, 4};
        byte[] base = Md5Password.encode("u", Secret.of("p"), salt);

        assertThat(Md5Password.encode("v", Secret.of("p"), salt)).isNotEqualTo(base);
        assertThat(Md5Password.encode("u", Secret.of("q"), salt)).isNotEqualTo(base);
        assertThat(Md5Password.encode("u", Secret.of("p"), new byte[] {1, 2, 3, 5})).isNotEqualTo(base);
    }

    @Test
    void rejectsASaltThatIsNotFourBytes() {
        assertThatThrownBy(() -> Md5Password.encode("u", Secret.of("p"), new byte[3]))
                .isInstanceOf(WireException.class).hasMessageContaining("(expected: 4)");
    }
}
