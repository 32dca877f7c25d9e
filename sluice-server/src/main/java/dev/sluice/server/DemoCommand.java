package dev.sluice.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import dev.sluice.core.identity.DevIssuer;
import dev.sluice.demo.DemoIdentityProvider;
import dev.sluice.demo.LoopbackPorts;
import dev.sluice.demo.ThrowawayPostgres;

/**
 * {@code sluice demo}: Sluice on its embedded defaults with the dev issuer, in front of a throwaway PostgreSQL seeded
 * with sample data; prints the psql line to paste. Ctrl-C stops both and removes every file it made.
 */
@Command(name = "demo", description = "Run Sluice in front of a throwaway, seeded PostgreSQL and print how to connect.")
final class DemoCommand implements Callable<Integer> {
    private static final String SEED = """
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, card text,
                                    note text);
            CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, amount numeric(10,2),
                                 status text, created timestamptz DEFAULT now());
            INSERT INTO customers (name, email, card, note) VALUES
              ('Ada Lovelace', 'ada@example.com', '4242 4242 4242 4242', 'prefers e-mail'),
              ('Grace Hopper', 'grace@example.org', '5555 5555 5555 4444', 'call +1 415 555 0100'),
              ('Alan Turing', 'alan@example.net', '3782 822463 10005', 'VIP');
            INSERT INTO orders (customer_id, amount, status)
              SELECT 1 + (g % 3), (g * 7.5)::numeric(10,2), CASE WHEN g % 4 = 0 THEN 'shipped' ELSE 'open' END
              FROM generate_series(1, 50) g;
            """;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("sluice-demo-");
        ThrowawayPostgres database = ThrowawayPostgres.start();
        DemoIdentityProvider people = DemoIdentityProvider.start();
        Gateway[] gateway = new Gateway[1];
        // Ctrl-C runs shutdown hooks, not this method's finally: the cleanup lives in a hook of its own.
        Runnable cleanup = () -> {
            if (gateway[0] != null) {
                gateway[0].close();
            }
            people.close();
            database.close();
            delete(dir);
        };
        Thread hook = new Thread(cleanup);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            database.createDatabase("demo");
            database.createUser("sluice_app", password, false);
            database.execute("demo", SEED);
            database.execute("demo", "GRANT ALL ON ALL TABLES IN SCHEMA public TO sluice_app;"
                    + " GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO sluice_app;"
                    + " GRANT CREATE, USAGE ON SCHEMA public TO sluice_app");
            Path secret = dir.resolve("db-password");
            Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secret, password);
            Path config = dir.resolve("sluice.yaml");
            Files.writeString(config, config(database.port(), secret, LoopbackPorts.preferredOrFree(15432),
                    LoopbackPorts.preferredOrFree(8443), people.issuer("people").toString()));
            gateway[0] = Gateway.start(config, Clock.systemUTC());
            String token = DevIssuer.open(gateway[0].state().config().dataDir(), Clock.systemUTC())
                    .mint("agent-7", Set.of("agents"), Duration.ofHours(8));
            out.println();
            out.println("Sluice is running in front of a throwaway PostgreSQL (Ctrl-C stops both).");
            out.println("Connect as agent-7 (group agents) with a dev token valid for 8 hours:");
            out.println();
            out.println("  PGPASSWORD='" + token + "' psql \"host=127.0.0.1 port=" + gateway[0].postgresPort()
                    + " dbname=demo user=agent-7 sslmode=require\"");
            out.println();
            out.println("Try: SELECT * FROM customers;   (cards, e-mails and phone numbers are masked)");
            out.println("     DROP TABLE orders;   DELETE FROM orders;   (refused by policy)");
            out.println("     DELETE FROM orders WHERE id = 1;   (held until someone in sre approves it:)");
            out.println("       SRE=$(bin/sluice token --config " + config + " --subject ops --groups sre)");
            out.println("       bin/sluice approvals list --url http://127.0.0.1:" + gateway[0].httpPort()
                    + " --token $SRE   then   bin/sluice approve ID --url … --token $SRE");
            out.println("Then read the audit trail:  bin/sluice audit --config " + config);
            out.println();
            out.println("Web console: http://127.0.0.1:" + gateway[0].httpPort() + "/");
            out.println("  sign in on the demo identity provider's page as the demo approver: user name ops,");
            out.println("  claims {\"groups\": [\"sre\", \"auditors\"]}  (approve held DELETEs, replay sessions)");
            out.flush();
            new CountDownLatch(1).await();
            return 0;
        } catch (RuntimeException | IOException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            cleanup.run();
            throw e;
        }
    }

    private static String config(int databasePort, Path secret, int postgresPort, int httpPort, String people) {
        return """
                listen:
                  postgres: 127.0.0.1:%d
                  http: 127.0.0.1:%d
                data-dir: ./data
                identity:
                  dev-issuer: true
                  people:
                    oidc:
                      issuer: %s
                      client-id: sluice-console
                      client-secret: demo
                api:
                  auditor-groups: [auditors]
                connections:
                  - name: demo
                    type: postgres
                    address: 127.0.0.1:%d
                    database: demo
                    user: sluice_app
                    password: ${file:%s}
                    tls:
                      mode: disable
                    allow:
                      groups: [agents, sre]
                policies:
                  - name: agents-never-destroy
                    connections: [demo]
                    groups: [agents]
                    deny:
                      kinds: [DROP, TRUNCATE, ALTER]
                  - name: writes-need-a-where
                    connections: [demo]
                    groups: [agents]
                    deny:
                      when: "command.kind in ['DELETE', 'UPDATE'] && !command.has_where"
                  - name: deletes-need-a-human
                    connections: [demo]
                    groups: [agents]
                    require-approval:
                      kinds: [DELETE]
                      approvers: [sre]
                masking:
                  - name: customer-pii
                    connections: [demo]
                    unless-groups: [dpo]
                    columns:
                      customers.card: partial
                      customers.email: hash
                    detectors: [card, email, phone]
                    strategy: redact
                """.formatted(postgresPort, httpPort, people, databasePort, secret);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temp dir
        }
    }
}
