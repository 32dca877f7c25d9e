package dev.sluice.core.masking;

import dev.sluice.core.SluiceException;

/** A masking strategy spec, detector name or custom pattern that cannot be used. */
public final class MaskingConfigException extends SluiceException {
    public MaskingConfigException(String message) {
        super(message);
    }
}
