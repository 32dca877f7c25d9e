package dev.sluice.core.audit;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Filters for {@link AuditReader#search}: exact matches on the event's fields, membership of a group, a
 * case-insensitive substring of the statement, error or details ({@link Field#TEXT}), a time window ({@code since}
 * inclusive, {@code until} exclusive) and a cursor ({@code afterSeq}: only events after it). Immutable.
 */
public record AuditSearch(Map<Field, String> filters, Optional<Instant> since, Optional<Instant> until,
                          long afterSeq, int limit) {
    /** The largest page. */
    public static final int MAX_LIMIT = 10_000;

    /** What a filter matches. */
    public enum Field { SUBJECT, GROUP, CONNECTION, SESSION, KIND, VERDICT, TEXT }

    public AuditSearch {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        filters = filters.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(filters));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + " (was " + limit + ")");
        }
        if (afterSeq < 0) {
            throw new IllegalArgumentException("afterSeq must not be negative");
        }
    }

    /** Everything from the start, 100 at a time. */
    public static AuditSearch all() {
        return new AuditSearch(Map.of(), Optional.empty(), Optional.empty(), 0, 100);
    }

    public Optional<String> filter(Field field) {
        return Optional.ofNullable(filters.get(field));
    }

    public AuditSearch with(Field field, String value) {
        Map<Field, String> next = new EnumMap<>(Field.class);
        next.putAll(filters);
        next.put(field, Objects.requireNonNull(value, "value"));
        return new AuditSearch(next, since, until, afterSeq, limit);
    }

    public AuditSearch withSince(Instant value) {
        return new AuditSearch(filters, Optional.of(value), until, afterSeq, limit);
    }

    public AuditSearch withUntil(Instant value) {
        return new AuditSearch(filters, since, Optional.of(value), afterSeq, limit);
    }

    public AuditSearch withAfterSeq(long value) {
        return new AuditSearch(filters, since, until, value, limit);
    }

    public AuditSearch withLimit(int value) {
        return new AuditSearch(filters, since, until, afterSeq, value);
    }
}
