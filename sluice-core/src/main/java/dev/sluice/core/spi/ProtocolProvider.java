package dev.sluice.core.spi;

import java.io.IOException;
import java.util.List;
import java.util.ServiceLoader;

import dev.sluice.core.policy.Vocabulary;

/**
 * One protocol module, as the gateway finds it ({@link ServiceLoader}, file
 * {@code META-INF/services/dev.sluice.core.spi.ProtocolProvider}). The gateway asks each provider for its
 * vocabulary when it parses policies, and starts its listener on {@code listen.<name>} with a
 * {@link ProtocolContext}. A provider decodes its protocol, words refusals in it and moves bytes; everything else it
 * reaches through the context.
 */
public interface ProtocolProvider {

    /** The protocol's name: its {@code listen:} key, its connections' {@code type}, its commands' protocol. */
    String name();

    /** The kinds its commands take and its "dangerous" catalogues, for validating and evaluating rules. */
    Vocabulary vocabulary();

    /** Starts the listener at {@code context.address()}. */
    ProtocolListener start(ProtocolContext context) throws IOException;

    /** Every provider on the class path, in a stable order (by name). */
    static List<ProtocolProvider> installed() {
        return ServiceLoader.load(ProtocolProvider.class).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(ProtocolProvider::name)).toList();
    }

    /** The vocabulary of every installed provider together. */
    static Vocabulary installedVocabulary() {
        return installed().stream().map(ProtocolProvider::vocabulary).reduce(Vocabulary.empty(), Vocabulary::plus);
    }
}
