package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditSigningKey;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.AuditStores;
import dev.sluice.store.ChainVerification;
import dev.sluice.store.VerifyOptions;

/**
 * {@code sluice audit verify}: walks the whole trail (chain and signed checkpoints) of the configured store, also
 * while Sluice runs. Exit 0 only when everything verifies; 1 with the first broken link otherwise.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the audit trail's hash chain and signed checkpoints; exit 0 only when everything "
                + "verifies.")
final class AuditVerifyCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Option(names = "--public-key", description = "the auditor's pinned public key (PEM); default: the public "
            + "half of the configured signing key, which someone who can rewrite the store may also replace")
    Path publicKey;

    @Option(names = "--grace", converter = CliDurations.class,
            description = "rows that no checkpoint covers yet may be this old (default 10m)")
    Duration grace;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AuditSettings settings = AuditSettings.of(ConfigLoader.load(config.toAbsolutePath()));
        PublicKey key = publicKey != null ? AuditSigningKey.readPublicKey(publicKey) : AuditStores.publicKey(settings);
        Instant now = Instant.now();
        VerifyOptions options = VerifyOptions.signedBy(key, now);
        if (grace != null) {
            options = options.withGrace(grace);
        }
        ChainVerification result;
        try (AuditStoreReader reader = AuditStores.reader(settings)) {
            result = reader.verify(options);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (result.ok()) {
            out.println("ok: " + result.message());
        } else {
            out.println("BROKEN at seq " + result.firstBrokenSeq().orElse(0L) + ": " + result.message());
            out.println(result.checked() + " rows verified before it");
        }
        out.flush();
        return result.ok() ? 0 : 1;
    }
}
