package dev.sluice.testing;

import java.time.Duration;
import java.time.Instant;

/**
 * Retries an assertion until it passes or a deadline is reached, for facts a server records asynchronously (an audit
 * event appended after the client already got its answer). The last failure is rethrown as is.
 */
public final class Eventually {
    private static final Duration DEFAULT = Duration.ofSeconds(5);

    private Eventually() {
    }

    public static void await(Runnable assertion) {
        await(DEFAULT, assertion);
    }

    public static void await(Duration timeout, Runnable assertion) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(50); // polling a real server's asynchronous write
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FixtureException("interrupted while waiting", e);
            }
        }
    }
}
