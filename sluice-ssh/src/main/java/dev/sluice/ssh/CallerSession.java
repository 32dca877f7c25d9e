package dev.sluice.ssh;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.session.ServerSession;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.approval.HoldWatch;
import dev.sluice.core.config.SshTarget;
import dev.sluice.core.session.CommandRequest;
import dev.sluice.core.session.GatewaySession;

/**
 * One caller's SSH connection after authentication: its core {@link GatewaySession}, the target login, what its
 * certificate allows, and Sluice's own SSH session to the target (opened on first use, shared by the caller's
 * channels). Kept as an attribute of MINA's {@link ServerSession}. Thread-safe: channels run on their own threads.
 */
final class CallerSession {
    static final AttributeRepository.AttributeKey<CallerSession> KEY = new AttributeRepository.AttributeKey<>();
    /** Channels one connection may have open at once (OpenSSH's MaxSessions is 10). */
    static final int MAX_CHANNELS = 32;

    private final ServerSession server;
    private final GatewaySession session;
    private final SshTarget target;
    private final String login;
    private final Optional<SshIdentities.Proof> proof;
    private final Upstreams upstreams;
    private final ReentrantLock upstreamLock = new ReentrantLock();
    private final List<String> refusedRequests = new CopyOnWriteArrayList<>();
    private final AtomicInteger channels = new AtomicInteger();
    private Optional<ClientSession> upstream = Optional.empty();

    CallerSession(ServerSession server, GatewaySession session, SshTarget target, String login,
                  Optional<SshIdentities.Proof> proof, Upstreams upstreams) {
        this.server = server;
        this.session = session;
        this.target = target;
        this.login = login;
        this.proof = proof;
        this.upstreams = upstreams;
    }

    static Optional<CallerSession> of(Session session) {
        return Optional.ofNullable(session.getAttribute(KEY));
    }

    GatewaySession session() {
        return session;
    }

    TargetGrant grant() {
        return session.grant();
    }

    String login() {
        return login;
    }

    /** The command a certificate forces (its {@code force-command} critical option). */
    Optional<String> forceCommand() {
        return proof.flatMap(SshIdentities.Proof::forceCommand);
    }

    /** Whether the caller's certificate permits a PTY (always for tokens and registered keys). */
    boolean permitPty() {
        return proof.map(SshIdentities.Proof::permitPty).orElse(true);
    }

    boolean permitPortForwarding() {
        return proof.map(SshIdentities.Proof::permitPortForwarding).orElse(true);
    }

    /**
     * Sluice's session to the target, opened on first use through the dialer. A host key that is not the pinned one
     * ends the caller's session (audited as its end reason).
     */
    ClientSession upstream() throws Upstreams.UpstreamException {
        upstreamLock.lock();
        try {
            if (upstream.isPresent() && upstream.get().isOpen()) {
                return upstream.get();
            }
            try {
                ClientSession result = upstreams.open(grant(), target, login, session.context().session().toString());
                upstream = Optional.of(result);
                return result;
            } catch (Upstreams.UpstreamException e) {
                if (e.hostKeyMismatch()) {
                    // The end reason is what the audit trail keeps: record it before the disconnect does.
                    session.end(e.getMessage());
                    disconnect(e.getMessage());
                }
                throw e;
            }
        } finally {
            upstreamLock.unlock();
        }
    }

    /**
     * A request MINA refused on the spot (agent, X11, remote forwarding): audited now (off MINA's thread) as a
     * refused command, and told to the caller on stderr at its next command.
     */
    void refusedRequest(String what) {
        if (refusedRequests.size() >= 16) {
            return;
        }
        refusedRequests.add(what);
        Thread.ofVirtual().name("sluice-ssh-refusal").start(() -> {
            try {
                session.submit(CommandRequest.refused(what, List.of(SshCommands.refusedRequest(what)),
                        what + " is not supported through Sluice"), HOLDLESS);
            } catch (RuntimeException e) {
                disconnect("the audit trail cannot be written");
            }
        });
    }

    /** A refusal never waits: the watch is never asked. */
    private static final HoldWatch HOLDLESS = new HoldWatch() {
        @Override
        public void waiting(String message) {
        }

        @Override
        public Optional<String> abandoned() {
            return Optional.of("not held");
        }
    };

    /** The refused requests not yet told to the caller. */
    List<String> takeRefusedRequests() {
        List<String> result = List.copyOf(refusedRequests);
        refusedRequests.removeAll(result);
        return result;
    }

    /** Takes a channel place; false over {@link #MAX_CHANNELS}. */
    boolean openChannel() {
        if (channels.incrementAndGet() > MAX_CHANNELS) {
            channels.decrementAndGet();
            return false;
        }
        return true;
    }

    void closeChannel() {
        channels.decrementAndGet();
    }

    /** Tells the caller why and closes the connection; the session ends when MINA reports it closed. */
    void disconnect(String reason) {
        try {
            server.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, "Sluice: " + reason);
        } catch (IOException e) {
            server.close(true);
        }
    }

    /** The caller's connection closed: close the target's and end the core session (idempotent). */
    void closed(String reason) {
        upstreamLock.lock();
        try {
            upstream.ifPresent(u -> u.close(true));
            upstream = Optional.empty();
        } finally {
            upstreamLock.unlock();
        }
        session.end(reason);
    }
}
