package dev.sluice.relay;

import java.time.Instant;

/**
 * A connected relay as {@code sluice relays} and {@code GET /api/relays} show it.
 *
 * @param healthy whether its last heartbeat is recent (three intervals): only a healthy relay gets new sessions
 */
public record RelayStatus(String id, String group, Instant connectedSince, Instant lastHeartbeat, int sessions,
                          Instant certificateExpires, boolean healthy, String address) {
}
