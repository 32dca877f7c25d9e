package dev.sluice.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import sun.misc.Signal;

/**
 * SIGTERM for {@code sluice serve}: drain ({@link Gateway#drain()}: refuse new sessions with 57P03, let open ones
 * finish up to {@code shutdown.drain-timeout}, end the rest with 57P01), close (commit and sign the audit tail),
 * exit 0. A second SIGTERM while draining is ignored; SIGKILL is the way to stop without draining (the audit
 * journal and chain recover on the next start).
 */
final class Drain {
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    private Drain() {
    }

    static void onSigterm(Gateway gateway) {
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        Signal.handle(new Signal("TERM"), signal -> {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            Thread.ofPlatform().name("sluice-drain").start(() -> {
                int code = 0;
                try {
                    LOG.info("SIGTERM: draining");
                    gateway.drain();
                    gateway.close();
                    LOG.info("stopped; audit tail committed and signed");
                } catch (RuntimeException e) {
                    LOG.error("drain failed", e);
                    code = 1;
                }
                System.exit(code);
            });
        });
    }
}
