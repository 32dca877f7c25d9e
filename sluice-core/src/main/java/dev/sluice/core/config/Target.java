package dev.sluice.core.config;

/**
 * What a connection reaches and how Sluice logs in there: one record per protocol, bound from the connection's
 * keys by its {@code type} ({@link TargetBinders}). The credential in it never leaves Sluice (nor its relay).
 */
public sealed interface Target permits PostgresTarget {

    /** The connection {@code type} it is bound for. */
    String type();
}
