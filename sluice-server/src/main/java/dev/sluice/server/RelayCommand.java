package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.relay.RelayAgent;
import dev.sluice.relay.RelayConfig;
import dev.sluice.relay.RelayRegistry;

/**
 * {@code sluice relay --config relay.yaml [--join-token T]}: runs a relay (enrolling first with a join token);
 * {@code sluice relay token --config sluice.yaml --group G [--ttl 1h]}: makes a one-time join token;
 * {@code sluice relay revoke --config sluice.yaml ID}: revokes a relay. See docs/relay.md.
 */
@Command(name = "relay", description = "Run a relay (enrolling once with --join-token), or make join tokens and "
        + "revoke relays at the gateway.", subcommands = {RelayCommand.Token.class, RelayCommand.Revoke.class})
final class RelayCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "the relay's YAML config file (relay.yaml)")
    Path config;

    @Option(names = "--join-token", description = "a one-time join token from `sluice relay token` (enrolls first)")
    String joinToken;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config is required");
        }
        RelayConfig loaded = RelayConfig.load(config);
        PrintWriter out = spec.commandLine().getOut();
        if (joinToken != null) {
            String id = RelayAgent.enroll(loaded, joinToken);
            out.println("sluice: enrolled as relay " + id + " (group " + loaded.group() + "); key and certificate in "
                    + loaded.dataDir());
            out.flush();
        }
        RelayAgent agent = RelayAgent.start(loaded);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }));
        out.println("sluice: relay running; gateway " + loaded.gateway() + ", group " + loaded.group() + ", serving "
                + loaded.targets().keySet().stream().sorted().toList());
        out.flush();
        stopped.await();
        return 0;
    }

    @Command(name = "token", description = "Make a one-time, expiring join token for a relay of a group.")
    static final class Token implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "the gateway's Sluice YAML config file")
        Path config;

        @Option(names = "--group", required = true, description = "the relay group the token enrolls into")
        String group;

        @Option(names = "--ttl", description = "how long the token may be used (default 1h)")
        String ttl = "1h";

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
            Duration lifetime = dev.sluice.core.config.Durations.parse(ttl);
            String token = RelayRegistry.open(loaded.dataDir(), Clock.systemUTC()).newToken(group, lifetime);
            spec.commandLine().getOut().println(token);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a relay: its certificate is refused and its connection ended.")
    static final class Revoke implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "the gateway's Sluice YAML config file")
        Path config;

        @Parameters(index = "0", description = "the relay's id (r-...)")
        String id;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
            var revoked = RelayRegistry.open(loaded.dataDir(), Clock.systemUTC()).revoke(id);
            if (revoked.isEmpty()) {
                spec.commandLine().getErr().println("sluice: no relay " + CliText.escape(id) + " is enrolled");
                spec.commandLine().getErr().flush();
                return 1;
            }
            spec.commandLine().getOut().println("sluice: relay " + id + " (group " + revoked.get().group()
                    + ") revoked; a running gateway ends its connection within a heartbeat");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
