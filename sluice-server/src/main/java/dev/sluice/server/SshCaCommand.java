package dev.sluice.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.ssh.SshCa;

/**
 * {@code sluice ssh-ca}: prints Sluice's SSH user CA public key, for the {@code TrustedUserCAKeys} file of hosts
 * reached with {@code certificate-authority: true} (the key is generated in the data dir on first use).
 */
@Command(name = "ssh-ca", description = "Print Sluice's SSH user CA public key (for a host's TrustedUserCAKeys)")
final class SshCaCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        spec.commandLine().getOut().println(SshCa.publicKeyLine(loaded.dataDir()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
