package dev.sluice.postgres.masking;

/**
 * A result that masking cannot make safe (a binary value it cannot rewrite, columns it cannot name): the statement's
 * result is replaced by an error (SQLSTATE 42501) instead of being passed on. The message names columns and types,
 * never a value.
 */
public final class MaskingRefusal extends Exception {
    public MaskingRefusal(String message) {
        super(message, null, false, false);
    }
}
