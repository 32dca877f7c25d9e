package dev.sluice.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.identity.DevIssuer;

/** {@code sluice token}: mints a dev-issuer token; refused unless the config sets {@code identity.dev-issuer: true}. */
@Command(name = "token", description = "Print a token from the local dev issuer (only with identity.dev-issuer: true).")
final class TokenCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true)
    Path config;

    @Option(names = "--subject", required = true, description = "the token's sub (or client id with --machine)")
    String subject;

    @Option(names = "--groups", split = ",", description = "comma-separated groups")
    List<String> groups = List.of();

    @Option(names = "--ttl", converter = CliDurations.class, description = "lifetime, e.g. 15m (default 15m)")
    Duration ttl = Duration.ofMinutes(15);

    @Option(names = "--machine", description = "a machine identity (client credentials)")
    boolean machine;

    @Option(names = "--actor", description = "an agent acting for the subject (RFC 8693 act claim)")
    String actor;

    @Option(names = "--exec-credential", description = "print a client.authentication.k8s.io/v1 ExecCredential "
            + "(for a kubectl exec plugin: sluice kubeconfig --exec-subject)")
    boolean execCredential;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        if (!loaded.identity().devIssuer()) {
            spec.commandLine().getErr().println("sluice: the dev issuer is disabled in " + config
                    + "; set identity.dev-issuer: true to mint local tokens (never in production)");
            return 1;
        }
        DevIssuer issuer = DevIssuer.open(loaded.dataDir(), Clock.systemUTC());
        Set<String> groupSet = new LinkedHashSet<>(groups);
        String token = machine ? issuer.mintMachine(subject, groupSet, ttl)
                : actor != null ? issuer.mintDelegated(subject, groupSet, actor, ttl)
                : issuer.mint(subject, groupSet, ttl);
        if (execCredential) {
            spec.commandLine().getOut().println("{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                    + "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"" + token + "\","
                    + "\"expirationTimestamp\":\"" + Clock.systemUTC().instant().plus(ttl).truncatedTo(
                    java.time.temporal.ChronoUnit.SECONDS) + "\"}}");
            return 0;
        }
        spec.commandLine().getOut().println(token);
        return 0;
    }
}
