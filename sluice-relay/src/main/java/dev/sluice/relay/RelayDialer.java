package dev.sluice.relay;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.Optional;

import dev.sluice.core.access.TargetGrant;
import dev.sluice.core.spi.Dialer;

/**
 * The gateway's dialer: a connection without {@code via} is dialled directly; a {@code via} connection goes through a
 * healthy relay of its group ({@link RelayHub}), logged in by the relay ({@link #dialLoggedIn}) or, for a cancel
 * request only, raw. Without a relay listener a via connection fails closed with a message saying so.
 */
public final class RelayDialer implements Dialer {
    private final Dialer direct;
    private final Optional<RelayHub> hub;

    public RelayDialer(Dialer direct, Optional<RelayHub> hub) {
        this.direct = direct;
        this.hub = hub;
    }

    @Override
    public Socket dial(TargetGrant grant, String purpose) throws IOException {
        if (grant.connection().via().isEmpty()) {
            return direct.dial(grant, purpose);
        }
        return hub(grant).open(grant, purpose, Map.of());
    }

    @Override
    public Socket dialLoggedIn(TargetGrant grant, String purpose, Map<String, String> parameters)
            throws IOException {
        if (grant.connection().via().isEmpty()) {
            return direct.dialLoggedIn(grant, purpose, parameters);
        }
        if (purpose.equals("cancel")) {
            throw new IOException("a cancel request is not logged in");
        }
        return hub(grant).open(grant, purpose, parameters);
    }

    private RelayHub hub(TargetGrant grant) throws IOException {
        if (hub.isEmpty()) {
            // fail closed: a via connection is never dialled directly
            throw new IOException("connection \"" + grant.connection().name() + "\" is reached through relay group \""
                    + grant.connection().via().orElseThrow() + "\", and this gateway has no relay listener "
                    + "(relays.listen)");
        }
        return hub.get();
    }
}
