package dev.sluice.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.HostPort;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.config.WebTarget;

/**
 * {@code sluice kubeconfig --connection C}: prints a kubeconfig that points kubectl at Sluice's HTTPS listener
 * ({@code https://HOST:PORT/k8s/C}) with the listener's certificate as CA data, and a credential: a static
 * {@code --token}, or an {@code exec} plugin that runs {@code sluice token --exec-credential} (the dev issuer) or a
 * command of your own ({@code --exec-command}, e.g. an OIDC login helper printing an ExecCredential).
 */
@Command(name = "kubeconfig", description = "Print a kubeconfig for a kubernetes connection through Sluice.")
final class KubeconfigCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Option(names = "--connection", required = true, description = "the kubernetes connection's name")
    String connection;

    @Option(names = "--server", description = "the URL clients reach the https listener at (default: from listen.https)")
    String server;

    @Option(names = "--namespace", description = "the context's namespace (default: default)")
    String namespace = "default";

    @Option(names = "--token", description = "a static bearer token (an OIDC access token) for the user entry")
    String token;

    @Option(names = "--exec-subject", description = "an exec plugin minting dev-issuer tokens for this subject")
    String execSubject;

    @Option(names = "--exec-groups", split = ",", description = "groups for --exec-subject")
    List<String> execGroups = List.of();

    @Option(names = "--exec-command", description = "an exec plugin command printing an ExecCredential")
    String execCommand;

    @Option(names = "--sluice-command", description = "how the exec plugin runs sluice (default: sluice)")
    String sluiceCommand = "sluice";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        Optional<ConnectionConfig> target = loaded.connection(connection);
        if (target.isEmpty() || !(target.get().target() instanceof WebTarget web) || !web.kubernetes()) {
            return fail("no kubernetes connection named \"" + connection + "\" in " + config);
        }
        int given = (token == null ? 0 : 1) + (execSubject == null ? 0 : 1) + (execCommand == null ? 0 : 1);
        if (given != 1) {
            return fail("give one of --token, --exec-subject and --exec-command");
        }
        Optional<HostPort> listen = loaded.listen().protocol("https");
        if (server == null && listen.isEmpty()) {
            return fail("listen.https is off in " + config + "; give --server");
        }
        String base = server != null ? server.replaceAll("/+$", "") : "https://" + reachable(listen.get());
        Path cert = loaded.tls().certFile().orElse(loaded.dataDir().resolve("tls/server.crt"));
        if (!Files.exists(cert)) {
            return fail("no listener certificate at " + cert + ": start `sluice serve` once (it creates the "
                    + "self-signed one) or set tls.cert-file");
        }
        String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(cert));
        String name = "sluice-" + connection;
        StringBuilder yaml = new StringBuilder();
        yaml.append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").append(name).append("\n  cluster:\n")
                .append("    server: ").append(base).append("/k8s/").append(connection).append('\n')
                .append("    certificate-authority-data: ").append(ca).append('\n')
                .append("users:\n- name: ").append(name).append("\n  user:\n");
        if (token != null) {
            yaml.append("    token: ").append(quote(token)).append('\n');
        } else {
            List<String> args = new ArrayList<>();
            String command;
            if (execSubject != null) {
                command = sluiceCommand;
                args.addAll(List.of("token", "--config", config.toAbsolutePath().toString(), "--subject", execSubject,
                        "--exec-credential"));
                if (!execGroups.isEmpty()) {
                    args.addAll(List.of("--groups", String.join(",", execGroups)));
                }
            } else {
                command = execCommand;
            }
            yaml.append("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ")
                    .append(quote(command)).append("\n      interactiveMode: Never\n      args:");
            if (args.isEmpty()) {
                yaml.append(" []\n");
            } else {
                yaml.append('\n');
                args.forEach(a -> yaml.append("      - ").append(quote(a)).append('\n'));
            }
        }
        yaml.append("contexts:\n- name: ").append(name).append("\n  context:\n    cluster: ").append(name)
                .append("\n    user: ").append(name).append("\n    namespace: ").append(quote(namespace))
                .append("\ncurrent-context: ").append(name).append('\n');
        spec.commandLine().getOut().print(yaml);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A wildcard listen address is not one to connect to: localhost instead. */
    private static String reachable(HostPort address) {
        String host = address.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.port();
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("sluice: " + message);
        return 1;
    }
}
