package dev.sluice.postgres.sql;

import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded, concurrent memo of {@link SqlClassifier} results by exact SQL text. Classification is a pure function
 * of the text and a {@link Classification} is immutable, so a hit can be shared by every session; clients repeat the
 * same few statement texts (prepared statements, ORM queries, psql's catalog queries) over and over.
 *
 * <p>Bounds: at most {@code maxEntries} entries, texts longer than {@link #MAX_TEXT_CHARS} characters are never
 * kept, and the kept texts add up to at most {@link #MAX_TOTAL_CHARS} characters (so the worst case is a few MiB,
 * whatever the clients send). When a bound is reached, an arbitrary eighth of the entries is dropped: cheaper than
 * exact LRU on the hot path, and a dropped entry only costs one more parse.
 *
 * <p>Thread-safe; lookups take no lock.
 */
public final class ClassificationCache {
    /** Texts longer than this are classified every time. */
    static final int MAX_TEXT_CHARS = 8 * 1024;
    /** The sum of the lengths of all cached texts stays below this. */
    static final long MAX_TOTAL_CHARS = 4L * 1024 * 1024;

    private final ConcurrentHashMap<String, Classification> entries = new ConcurrentHashMap<>();
    private final AtomicLong totalChars = new AtomicLong();
    private final int maxEntries;

    /** @param maxEntries the largest number of entries kept; 0 keeps nothing */
    ClassificationCache(int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + " (expected: >= 0)");
        }
        this.maxEntries = maxEntries;
    }

    Optional<Classification> get(String sql) {
        if (maxEntries == 0 || sql.length() > MAX_TEXT_CHARS) {
            return Optional.empty();
        }
        return Optional.ofNullable(entries.get(sql));
    }

    void put(String sql, Classification classification) {
        if (maxEntries == 0 || sql.length() > MAX_TEXT_CHARS) {
            return;
        }
        if (entries.size() >= maxEntries || totalChars.get() + sql.length() > MAX_TOTAL_CHARS) {
            evict();
        }
        if (entries.putIfAbsent(sql, classification) == null) {
            totalChars.addAndGet(sql.length());
        }
    }

    int size() {
        return entries.size();
    }

    long totalChars() {
        return totalChars.get();
    }

    /** Drops about an eighth of the entries (at least one); concurrent callers may each drop their share. */
    private void evict() {
        int toDrop = Math.max(1, entries.size() / 8);
        Iterator<String> keys = entries.keySet().iterator();
        while (toDrop > 0 && keys.hasNext()) {
            String key = keys.next();
            if (entries.remove(key) != null) {
                totalChars.addAndGet(-key.length());
                toDrop--;
            }
        }
    }
}
