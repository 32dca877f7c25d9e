package dev.sluice.relay;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.core.SluiceException;

/**
 * The gateway's relay records in {@code <data-dir>/relays/}: join tokens ({@code tokens.json}, only their SHA-256,
 * one-time, expiring) and enrolled relays ({@code relays.json}: id, group, certificate expiry, revoked). The CLI
 * ({@code sluice relay token|revoke}) and a running gateway share the files under a file lock, so a token made or a
 * relay revoked while the gateway runs takes effect at its next enrollment, connect or heartbeat check.
 *
 * <p>Thread-safe: every operation holds an in-process lock and the file lock.
 */
public final class RelayRegistry {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .findAndRegisterModules()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false);
    private final Path dir;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final RelayCa ca;

    /** A join token as stored: its hash, never the token. */
    record StoredToken(String hash, String group, Instant expires, boolean used) {
    }

    /** An enrolled relay. */
    public record Enrolled(String id, String group, Instant enrolled, Instant certificateExpires, boolean revoked) {
    }

    /** Why an enrollment or a relay's connect is refused; the message is safe to send to the relay. */
    public static final class RelayRefusedException extends SluiceException {
        RelayRefusedException(String message) {
            super(message);
        }
    }

    private RelayRegistry(Path dir, Clock clock, RelayCa ca) {
        this.dir = dir;
        this.clock = clock;
        this.ca = ca;
    }

    /** The registry of a gateway's data dir; makes the relay CA on first use. */
    public static RelayRegistry open(Path dataDir, Clock clock) throws IOException {
        Path dir = dataDir.resolve("relays");
        Files.createDirectories(dir);
        return new RelayRegistry(dir, clock, RelayCa.loadOrCreate(dir));
    }

    RelayCa ca() {
        return ca;
    }

    /** A new one-time join token for {@code group}: {@code <secret>.<CA fingerprint>} (the relay pins the CA). */
    public String newToken(String group, Duration ttl) throws IOException {
        if (!group.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw new RelayRefusedException("invalid relay group '" + group + "' (expected lower-case letters, "
                    + "digits, '-' and '_', at most 63 characters)");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        locked(() -> {
            List<StoredToken> tokens = new ArrayList<>(read("tokens.json", new TypeReference<List<StoredToken>>() { }));
            Instant now = clock.instant();
            tokens.removeIf(t -> t.expires().isBefore(now.minus(Duration.ofDays(7))));
            tokens.add(new StoredToken(Pem.sha256(text), group, now.plus(ttl), false));
            write("tokens.json", tokens);
            return null;
        });
        return text + "." + ca.pin();
    }

    /**
     * Spends a join token on a certificate. Refused: an unknown, used or expired token (each said so), a CSR that
     * does not verify.
     */
    X509Certificate enroll(String token, byte[] csr, Duration certificateTtl) throws IOException {
        String secret = token.contains(".") ? token.substring(0, token.indexOf('.')) : token;
        String hash = Pem.sha256(secret);
        return locked(() -> {
            List<StoredToken> tokens = new ArrayList<>(read("tokens.json", new TypeReference<List<StoredToken>>() { }));
            int index = -1;
            for (int i = 0; i < tokens.size(); i++) {
                if (tokens.get(i).hash().equals(hash)) {
                    index = i;
                }
            }
            if (index < 0) {
                throw new RelayRefusedException("unknown join token");
            }
            StoredToken stored = tokens.get(index);
            if (stored.used()) {
                throw new RelayRefusedException("this join token was already used (a join token enrolls one relay)");
            }
            if (!clock.instant().isBefore(stored.expires())) {
                throw new RelayRefusedException("this join token expired at " + stored.expires());
            }
            // spent before the certificate is made: a second use is refused even if this one fails later
            tokens.set(index, new StoredToken(stored.hash(), stored.group(), stored.expires(), true));
            write("tokens.json", tokens);
            byte[] id = new byte[6];
            RANDOM.nextBytes(id);
            RelayCa.Identity identity = new RelayCa.Identity("r-" + HexFormat.of().formatHex(id), stored.group());
            X509Certificate result = ca.issueRelay(csr, identity, certificateTtl);
            List<Enrolled> relays = new ArrayList<>(relays());
            relays.add(new Enrolled(identity.relayId(), identity.group(), clock.instant(),
                    result.getNotAfter().toInstant(), false));
            write("relays.json", relays);
            return result;
        });
    }

    /** A new certificate for an enrolled, unrevoked relay (its current certificate authenticated the call). */
    X509Certificate renew(RelayCa.Identity identity, byte[] csr, Duration certificateTtl) throws IOException {
        return locked(() -> {
            check(identity);
            X509Certificate result = ca.issueRelay(csr, identity, certificateTtl);
            List<Enrolled> relays = new ArrayList<>(relays());
            relays.replaceAll(r -> r.id().equals(identity.relayId()) ? new Enrolled(r.id(), r.group(), r.enrolled(),
                    result.getNotAfter().toInstant(), r.revoked()) : r);
            write("relays.json", relays);
            return result;
        });
    }

    /** Revokes a relay: its certificate is refused from now on and its connection is ended. */
    public Optional<Enrolled> revoke(String relayId) throws IOException {
        return locked(() -> {
            List<Enrolled> relays = new ArrayList<>(relays());
            Optional<Enrolled> result = Optional.empty();
            for (int i = 0; i < relays.size(); i++) {
                Enrolled relay = relays.get(i);
                if (relay.id().equals(relayId)) {
                    result = Optional.of(new Enrolled(relay.id(), relay.group(), relay.enrolled(),
                            relay.certificateExpires(), true));
                    relays.set(i, result.get());
                }
            }
            write("relays.json", relays);
            return result;
        });
    }

    /**
     * Fail closed: a relay is served only when the registry knows it, has not revoked it, and its certificate names
     * the group it was enrolled in.
     */
    void check(RelayCa.Identity identity) throws IOException {
        Optional<Enrolled> enrolled = relays().stream().filter(r -> r.id().equals(identity.relayId())).findFirst();
        if (enrolled.isEmpty()) {
            throw new RelayRefusedException("relay " + identity.relayId() + " is not enrolled at this gateway");
        }
        if (enrolled.get().revoked()) {
            throw new RelayRefusedException("relay " + identity.relayId() + " was revoked");
        }
        if (!enrolled.get().group().equals(identity.group())) {
            throw new RelayRefusedException("relay " + identity.relayId() + " was enrolled in group "
                    + enrolled.get().group() + ", not " + identity.group());
        }
    }

    /** Every enrolled relay. */
    public List<Enrolled> relays() throws IOException {
        return read("relays.json", new TypeReference<List<Enrolled>>() { });
    }

    @FunctionalInterface
    private interface Action<T> {
        T run() throws IOException;
    }

    private <T> T locked(Action<T> action) throws IOException {
        lock.lock();
        try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            return action.run();
        } finally {
            lock.unlock();
        }
    }

    private <T> List<T> read(String name, TypeReference<List<T>> type) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            return List.of();
        }
        return JSON.readValue(file.toFile(), type);
    }

    private void write(String name, Object value) throws IOException {
        Pem.save(dir.resolve(name), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value), true);
    }
}
