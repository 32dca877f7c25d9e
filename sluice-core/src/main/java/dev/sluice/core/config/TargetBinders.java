package dev.sluice.core.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The connection types Sluice knows, each with the keys of its target and how they are bound. A connection's common
 * keys ({@code name}, {@code type}, {@code address}, {@code allow}, {@code labels}, {@code default},
 * {@code require-grant}, {@code via}) are bound by {@link ConnectionsBinder}; the rest by the type's binder here.
 */
final class TargetBinders {

    /** Binds one connection item's target keys; every problem is recorded, empty when there was one. */
    @FunctionalInterface
    interface Binder {
        Optional<Target> bind(ConfigNode item, SecretResolver secrets, ConfigProblems problems);
    }

    record Type(Set<String> keys, Binder binder) {
    }

    static final Map<String, Type> TYPES = types();

    private TargetBinders() {
    }

    private static Map<String, Type> types() {
        Map<String, Type> result = new LinkedHashMap<>();
        result.put(PostgresTarget.TYPE, new Type(PostgresTarget.KEYS, PostgresTarget::bind));
        return java.util.Collections.unmodifiableMap(result);
    }
}
