package dev.sluice.server;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditSigningKey;
import dev.sluice.store.AuditStores;

/**
 * {@code sluice audit public-key}: prints the public half of the checkpoint signing key as PEM, for an auditor to
 * keep and later pass to {@code sluice audit verify --public-key}.
 */
@Command(name = "public-key", mixinStandardHelpOptions = true,
        description = "Print the audit checkpoint signing key's public half (PEM).")
final class AuditKeyCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AuditSettings settings = AuditSettings.of(ConfigLoader.load(config.toAbsolutePath()));
        PublicKey key = AuditStores.publicKey(settings);
        spec.commandLine().getOut().print(AuditSigningKey.publicKeyPem(key));
        spec.commandLine().getOut().println("# key id " + AuditSigningKey.keyId(key) + ", from "
                + settings.signingKey());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
