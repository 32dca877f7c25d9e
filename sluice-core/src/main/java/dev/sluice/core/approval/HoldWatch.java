package dev.sluice.core.approval;

import java.util.Optional;

/**
 * What a protocol tells the approval wait about its caller, while the statement is held. Called from the thread
 * that waits (the session's client-to-upstream thread); implementations read state other threads set.
 */
public interface HoldWatch {

    /**
     * The command is held, and the wait is about to begin: the protocol gets ready to wait (PostgreSQL: flushes what
     * came before it upstream and starts reading the client ahead, to notice a disconnect).
     */
    default void holding() {
    }

    /** Tells the caller, right away, what the statement waits for and where it is decided (PostgreSQL: a notice). */
    void waiting(String message);

    /** Why the caller stopped waiting (disconnected, cancelled); empty while it still waits. Polled. */
    Optional<String> abandoned();
}
