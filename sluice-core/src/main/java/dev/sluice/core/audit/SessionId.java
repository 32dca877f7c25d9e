package dev.sluice.core.audit;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/** Identifies one client session through Sluice, whatever its protocol. Random, 16 hex digits after "s-". */
public record SessionId(String value) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public SessionId {
        Objects.requireNonNull(value, "value");
    }

    public static SessionId random() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return new SessionId("s-" + HexFormat.of().formatHex(bytes));
    }

    @Override
    public String toString() {
        return value;
    }
}
