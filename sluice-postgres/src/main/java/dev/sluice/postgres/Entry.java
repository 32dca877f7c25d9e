package dev.sluice.postgres;

import java.time.Instant;
import java.util.List;

/**
 * A message Sluice forwarded that the server will answer, as an entry of the session's {@link Conversation}: what
 * every reader of the answer needs (the namespace change ids, the statement's masking lineage, the audit's statement
 * id). Made by the client-to-upstream thread before the message is written; the mutable outcome fields of a
 * {@link Query} and an {@link ExtendedRefusal} are the upstream-to-client thread's.
 */
sealed interface Entry {
    /**
     * A simple Query or a fast-path call: results, then ReadyForQuery. {@code starting} are the name changes its
     * start makes (the unnamed statement and portal dropped), {@code changes} those of each statement, in order.
     * Its outcome fields are the upstream-to-client thread's.
     */
    final class Query implements Entry {
        final long statementId;
        final String sql;
        final Conversation.Lineage lineage;
        final Instant start;
        final long[] starting;
        final List<long[]> changes;
        int completed;
        boolean started;
        String tag;
        long rows = -1;
        String sqlState = "";
        String error = "";

        Query(long statementId, String sql, Conversation.Lineage lineage, Instant start, long[] starting,
              List<long[]> changes, String tag) {
            this.statementId = statementId;
            this.sql = sql;
            this.lineage = lineage;
            this.start = start;
            this.starting = starting;
            this.changes = changes;
            this.tag = tag;
        }
    }

    /** Sluice's refusal raised through a simple Query in place of the client's (it drops the unnamed names). */
    record QueryRefusal(String message, long[] changes) implements Entry {
    }

    /** Sluice's refusal raised by its own Parse, Bind and Execute inside the client's extended batch. */
    final class ExtendedRefusal implements Entry {
        final String message;
        final long[] changes;
        /** ParseComplete and BindComplete seen for Sluice's own Parse and Bind. */
        int answered;

        ExtendedRefusal(String message, long[] changes) {
            this.message = message;
            this.changes = changes;
        }
    }

    /** A message that changes a name: ParseComplete, BindComplete or CloseComplete confirms {@code change}. */
    sealed interface NameChange extends Entry {
        long change();
    }

    record Parse(long change, String name, Conversation.Lineage lineage) implements NameChange {
    }

    record Bind(long change, String portal, String statement, short[] formats) implements NameChange {
    }

    record Describe(byte target, String name) implements Entry {
    }

    /** An Execute; {@code changes} are the name changes its statement makes when it completes. */
    record Execute(long statementId, Instant start, long[] changes, String portal) implements Entry {
    }

    record Close(long change, byte target, String name) implements NameChange {
    }

    record Sync() implements Entry {
    }
}
