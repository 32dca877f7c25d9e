package dev.sluice.core;

import java.util.Objects;

/**
 * A secret value (a target password, a signing key). {@link #toString()} never shows the value, so a secret
 * that slips into a log line, an exception message or a record's {@code toString} stays hidden. Only
 * {@link #reveal()} yields the clear value; call it at the last moment, where the value goes on the wire.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return new Secret(Objects.requireNonNull(value, "value"));
    }

    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return "Secret[****]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && secret.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
