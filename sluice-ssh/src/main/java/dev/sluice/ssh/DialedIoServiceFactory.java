package dev.sluice.ssh;

import java.net.Socket;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.Factory;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.io.DefaultIoConnectFuture;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoConnectFuture;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactoryFactory;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.threads.CloseableExecutorService;

/**
 * Lets MINA's {@code SshClient} run over a socket Sluice already connected (through the core {@code Dialer}), since
 * MINA cannot take a connected socket: {@link #connect} hands the socket in the connect context under
 * {@link #SOCKET}, and the connector wraps it in a {@link SocketIoSession} instead of opening its own. Every upstream
 * SSH connection therefore goes through the dialer (directly, or through a relay for a {@code via} connection).
 * Thread-safe.
 */
final class DialedIoServiceFactory implements IoServiceFactoryFactory {
    /** The connect-context attribute holding the dialed socket. */
    static final AttributeRepository.AttributeKey<Socket> SOCKET = new AttributeRepository.AttributeKey<>();

    @Override
    public IoServiceFactory create(FactoryManager manager) {
        return new Services();
    }

    @Override
    public void setExecutorServiceFactory(Factory<CloseableExecutorService> factory) {
        // no pools: each dialed session reads and writes on its own virtual threads
    }

    /** Connection context carrying the dialed socket, for {@code SshClient.connect(user, address, context, null)}. */
    static AttributeRepository context(Socket socket) {
        return AttributeRepository.ofKeyValuePair(SOCKET, socket);
    }

    private static final class Services extends AbstractCloseable implements IoServiceFactory {
        private IoServiceEventListener listener;

        @Override
        public IoConnector createConnector(IoHandler handler) {
            return new Connector(handler);
        }

        @Override
        public IoAcceptor createAcceptor(IoHandler handler) {
            throw new UnsupportedOperationException("Sluice's upstream SSH client never listens");
        }

        @Override
        public IoServiceEventListener getIoServiceEventListener() {
            return listener;
        }

        @Override
        public void setIoServiceEventListener(IoServiceEventListener listener) {
            this.listener = listener;
        }
    }

    static final class Connector extends AbstractCloseable implements IoConnector {
        private final IoHandler handler;
        private final Map<Long, IoSession> sessions = new ConcurrentHashMap<>();
        private IoServiceEventListener listener;

        Connector(IoHandler handler) {
            this.handler = handler;
        }

        @Override
        public IoConnectFuture connect(SocketAddress target, AttributeRepository context, SocketAddress local) {
            IoConnectFuture result = new DefaultIoConnectFuture(target, null);
            Optional<Socket> socket = Optional.ofNullable(context).map(c -> c.getAttribute(SOCKET));
            if (socket.isEmpty()) {
                // Fail closed: an upstream connection that did not come through the dialer is never opened.
                result.setException(new IllegalStateException("no dialed socket in the connect context"));
                return result;
            }
            SocketIoSession session = new SocketIoSession(this, handler, socket.get(), sessions::remove);
            try {
                session.setAttribute(AttributeRepository.class, context);
                handler.sessionCreated(session);
                sessions.put(session.getId(), session);
                result.setSession(session);
                session.startReading();
            } catch (Throwable e) {
                session.close(true);
                result.setException(e);
            }
            return result;
        }

        @Override
        public Map<Long, IoSession> getManagedSessions() {
            return Map.copyOf(sessions);
        }

        @Override
        public IoServiceEventListener getIoServiceEventListener() {
            return listener;
        }

        @Override
        public void setIoServiceEventListener(IoServiceEventListener listener) {
            this.listener = listener;
        }
    }
}
