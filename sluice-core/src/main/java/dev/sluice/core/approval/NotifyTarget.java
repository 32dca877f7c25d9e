package dev.sluice.core.approval;

import java.net.URI;
import java.util.Objects;

import dev.sluice.core.Secret;

/**
 * One place new requests are announced (an item of {@code approvals.notify}).
 *
 * @param type    {@code webhook} (JSON, signed with {@code secret}) or {@code slack} (incoming-webhook message)
 * @param url     where to POST
 * @param secret  the HMAC-SHA256 key for {@code X-Sluice-Signature}; empty for none
 * @param retries further attempts after a failed delivery, with exponential backoff
 */
public record NotifyTarget(String type, URI url, Secret secret, int retries) {
    public static final String WEBHOOK = "webhook";
    public static final String SLACK = "slack";

    public NotifyTarget {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return type + " " + url.getScheme() + "://" + url.getAuthority();
    }
}
