package dev.sluice.core.identity;

import dev.sluice.core.SluiceException;

/** A trusted-issuer configuration that Sluice refuses to use, for example a plain-http issuer on a public host. */
public final class IssuerSettingsException extends SluiceException {
    public IssuerSettingsException(String message) {
        super(message);
    }
}
