package dev.sluice.export;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds; fails the test with a timeout otherwise. */
final class Waits {
    private Waits() {
    }

    static void until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(10);
        }
    }
}
