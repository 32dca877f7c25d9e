package dev.sluice.store;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When the writer signs checkpoints, and how long the trail is kept.
 *
 * <p>A writer signs the chain head after it has appended {@code everyEvents} events since its last checkpoint (in
 * the same transaction as the batch), when {@code interval} has passed since then and it appended anything, when
 * it opens on a trail whose head no checkpoint covers yet (the tail a crash left), and when it closes.
 *
 * @param key         signs the checkpoints
 * @param interval    config {@code audit.checkpoint-interval}, default 10s
 * @param everyEvents config {@code audit.checkpoint-events}, default 1000
 * @param retention   config {@code audit.retention}: rows before the newest checkpoint older than this are deleted
 *                    (that checkpoint's own row stays, as the anchor); empty keeps everything
 */
public record Checkpointing(AuditSigningKey key, Duration interval, int everyEvents, Optional<Duration> retention) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_EVERY_EVENTS = 1000;

    public Checkpointing {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(retention, "retention");
        if (interval.isNegative() || interval.isZero() || everyEvents < 1) {
            throw new IllegalArgumentException("checkpoint interval and event count must be positive");
        }
    }

    /** The defaults, signing with {@code key}, no retention. */
    public static Checkpointing with(AuditSigningKey key) {
        return new Checkpointing(key, DEFAULT_INTERVAL, DEFAULT_EVERY_EVENTS, Optional.empty());
    }

    public Checkpointing withInterval(Duration value) {
        return new Checkpointing(key, value, everyEvents, retention);
    }

    public Checkpointing withEveryEvents(int value) {
        return new Checkpointing(key, interval, value, retention);
    }

    public Checkpointing withRetention(Duration value) {
        return new Checkpointing(key, interval, everyEvents, Optional.of(value));
    }
}
