package dev.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices edits to the config file and the policy directory by content digest, polled (robust against editors that
 * replace files by rename, and against directories created later), and calls back on its own virtual thread.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Supplier<List<Path>> files;
    private final Runnable onChange;
    private final Duration interval;
    private final Thread thread;
    private volatile boolean running = true;
    private byte[] last;

    ConfigWatcher(Supplier<List<Path>> files, Duration interval, Runnable onChange) {
        this.files = files;
        this.onChange = onChange;
        this.interval = interval;
        this.last = digest();
        this.thread = Thread.ofVirtual().name("sluice-config-watch").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval);
                byte[] now = digest();
                if (!Arrays.equals(now, last)) {
                    last = now;
                    onChange.run();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("config reload failed", e);
            }
        }
    }

    private byte[] digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> paths = new ArrayList<>(files.get());
            for (Path path : paths) {
                sha.update(path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    sha.update(Files.readAllBytes(path));
                } catch (IOException e) {
                    sha.update((byte) 0);
                }
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
