package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.testing.Cli;
import dev.sluice.testing.Eventually;

/**
 * Exec through Sluice with the real OpenSSH client to a real sshd: exit status and piped stdin, a denied command that
 * never runs (the host's files checked afterwards), the quoting tricks a deny list invites, a held command approved
 * over REST, env requests, agent forwarding refused, and the audit trail of each.
 */
class SshExecE2ETest {
    static SshHarness harness;
    static ApprovalsClient api;

    @BeforeAll
    static void start() {
        harness = SshHarness.start(h -> "", h -> """
                policies:
                  - name: agents-never-destroy
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      commands: [dangerous]
                  - name: agents-no-shell
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      kinds: [SHELL]
                  - name: agents-no-editor-env
                    connections: [web-1]
                    groups: [agents]
                    deny:
                      kinds: [ENV]
                      when: "command.command_line.startsWith('LC_EVIL')"
                  - name: touching-needs-sre
                    connections: [web-1]
                    groups: [agents]
                    require-approval:
                      commands: [touch]
                      approvers: [sre]
                approvals:
                  access:
                    approvers: [sre]
                api:
                  auditor-groups: [auditors]
                masking:
                  - name: mail-addresses
                    connections: [web-1]
                    unless-groups: [dpo]
                    detectors: [email]
                    strategy: redact
                """);
        api = new ApprovalsClient(harness.httpPort());
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static String agent() {
        return harness.token("agent-7", "agents");
    }

    private static Path victim(String name) throws Exception {
        Path result = harness.sshd().home().resolve(name);
        Files.writeString(result, "precious");
        Cli.runOrFail(Map.of(), Duration.ofSeconds(10), "chown", harness.sshd().user(), result.toString());
        return result;
    }

    private static List<AuditRecord> audit(String subject) {
        return harness.audit(AuditQuery.all().withSubject(subject));
    }

    @Test
    void anExecReturnsItsOutputExitStatusAndReadsPipedStdin() {
        Cli.Result result = harness.sshWithToken(harness.token("alice", "sre"), "web-1", "piped stdin\n",
                "whoami; tr a-z A-Z; exit 3");

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo(harness.sshd().user() + "\nPIPED STDIN\n");
        // the client may see the exit status before Sluice has written the session's end
        Eventually.await(Duration.ofSeconds(10), () -> assertThat(audit("alice"))
                .extracting(AuditRecord::kind).contains("session.start", "command", "command.result", "session.end"));
        assertThat(audit("alice")).filteredOn(r -> r.kind().equals("command.result")).anySatisfy(r ->
                assertThat(r.details().toString()).contains("exit 3"));
    }

    @Test
    void aDeniedExecNeverRunsExits126AndSaysWhyOnStderr() throws Exception {
        Path precious = victim("precious-1");

        Cli.Result result = harness.sshWithToken(agent(), "web-1", "", "rm -rf " + precious);

        assertThat(result.exitCode()).isEqualTo(126);
        assertThat(result.stderr()).contains("Sluice:").contains("agents-never-destroy");
        assertThat(precious).exists().hasContent("precious");
        assertThat(audit("agent-7")).filteredOn(r -> r.kind().equals("command")
                && r.statement().contains("precious-1")).singleElement().satisfies(r ->
                assertThat(r.verdict()).isEqualTo("deny"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "r''m -rf TARGET",
            "\"r\"m -rf TARGET",
            "r\\m -rf TARGET",
            "/bin/rm -rf TARGET",
            "ls; rm -rf TARGET",
            "true && rm -rf TARGET",
            "false || rm -rf TARGET",
            "echo | xargs rm -rf TARGET",
            "echo x\nrm -rf TARGET",
            "sh -c 'rm -rf TARGET'",
            "bash -c \"r''m -rf TARGET\"",
            "sudo rm -rf TARGET",
            "env rm -rf TARGET",
            "nohup rm -rf TARGET",
            "$(echo rm) -rf TARGET",
            "`echo rm` -rf TARGET",
            "R=rm; $R -rf TARGET",
            "${X:-rm} -rf TARGET",
            "eval 'rm -rf TARGET'",
            "python3 -c 'import shutil; shutil.rmtree(\"TARGET\")'",
            "find TARGET -delete",
            "perl -e 'unlink \"TARGET\"'",
            "echo > TARGET",
            "IFS=_; rm${IFS}-rf${IFS}TARGET",
            "/usr/bin/env rm TARGET",
    })
    void quotingAndShellTricksAroundADenyRuleAreRefused(String line) throws Exception {
        Path precious = victim("trick-" + Integer.toHexString(line.hashCode()));

        Cli.Result result = harness.sshWithToken(agent(), "web-1", "", line.replace("TARGET", precious.toString()));

        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isEqualTo(126);
        assertThat(result.stderr()).contains("Sluice:");
        assertThat(precious).exists().hasContent("precious");
    }

    @Test
    void anAllowedPlainCommandStillRunsForAnAgent() {
        Cli.Result result = harness.sshWithToken(agent(), "web-1", "", "echo", "hello", "agent");

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("hello agent\n");
    }

    @Test
    void aHeldExecWaitsWithAMessageAndRunsOnceApprovedOverRest() throws Exception {
        Path marker = harness.sshd().home().resolve("held-ok");
        CompletableFuture<Cli.Result> held = CompletableFuture.supplyAsync(() ->
                harness.sshWithToken(harness.token("agent-held", "agents"), "web-1", "", "touch " + marker));

        JsonNode request = api.awaitPending(harness.token("watcher", "sre"), r -> r.path("requester")
                .path("subject").asText().equals("agent-held"), Duration.ofSeconds(20));
        assertThat(marker).doesNotExist();
        assertThat(held).isNotDone();
        ApprovalsClient.Answer approved = api.post("/api/approvals/" + request.path("id").asText() + "/approve",
                harness.token("bob", "sre"), "{\"reason\": \"ok\"}");

        assertThat(approved.status()).isEqualTo(200);
        Cli.Result result = held.get(30, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Sluice:").containsIgnoringCase("approval");
        assertThat(marker).exists();
    }

    @Test
    void aShellIsRefusedToAnAgent() {
        Cli.Result result = harness.sshWithToken(agent(), "web-1", "echo from-shell\n");

        assertThat(result.exitCode()).isEqualTo(126);
        assertThat(result.stderr()).contains("agents-no-shell");
        assertThat(result.stdout()).doesNotContain("from-shell");
    }

    @Test
    void aDeniedEnvRequestIsNotPassedOnAndTheCommandStillRuns() {
        List<String> command = new java.util.ArrayList<>(List.of("sshpass", "-e", "ssh"));
        command.addAll(harness.sshOptions());
        command.addAll(List.of("-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-o", "SendEnv=LC_EVIL LC_FINE", "-p", String.valueOf(harness.port()), "web-1@127.0.0.1",
                "echo evil=$LC_EVIL fine=$LC_FINE"));
        Cli.Result result = Cli.run(Map.of("SSHPASS", harness.token("agent-env", "agents"), "LC_EVIL", "bad",
                "LC_FINE", "good"), Duration.ofSeconds(30), command.toArray(String[]::new));

        // The line has '$': opaque, and a rule could apply, so it is refused as a whole.
        assertThat(result.exitCode()).isEqualTo(126);
        assertThat(result.stderr()).contains("LC_EVIL");
        assertThat(audit("agent-env")).filteredOn(r -> r.statement().startsWith("LC_EVIL"))
                .singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo("deny"));
    }

    @Test
    void agentForwardingIsRefusedWithAClearMessageAndAudited() {
        // a real agent (ssh-agent runs the client), so that the client really asks to forward it
        Cli.Result result = Cli.run(Map.of("SSHPASS", harness.token("alice-agent", "sre")), Duration.ofSeconds(30),
                "ssh-agent", "sshpass", "-e", "ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ForwardAgent=yes",
                "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                "-p", String.valueOf(harness.port()), "web-1@127.0.0.1", "echo still-runs");

        assertThat(result.stdout()).isEqualTo("still-runs\n");
        assertThat(result.stderr()).contains("agent forwarding is refused by Sluice");
        Eventually.await(() -> assertThat(audit("alice-agent")).anySatisfy(r ->
                assertThat(r.statement()).isEqualTo("agent forwarding")));
    }

    @Test
    void aSubsystemOtherThanSftpIsRefusedAuditedAndTheCallerToldWhy() {
        Cli.Result result = harness.sshWithToken(harness.token("alice-subsystem", "sre"), List.of("-s"), "web-1", "",
                "../../bin/sh");

        assertThat(result.exitCode()).isEqualTo(126);
        assertThat(result.stderr()).contains("Sluice:").contains("subsystem \"../../bin/sh\" is not supported");
        assertThat(audit("alice-subsystem")).filteredOn(r -> r.verdict().equals("deny"))
                .extracting(AuditRecord::statement).contains("subsystem ../../bin/sh");
    }

    @Test
    void x11ForwardingIsRefusedWithAClearMessage() {
        Cli.Result result = Cli.run(Map.of("SSHPASS", harness.token("alice-x11", "sre"), "DISPLAY", ":99"),
                Duration.ofSeconds(30), "sshpass", "-e", "ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ForwardX11=yes",
                "-o", "ForwardX11Trusted=yes", "-o", "PreferredAuthentications=password",
                "-o", "PubkeyAuthentication=no", "-p", String.valueOf(harness.port()), "web-1@127.0.0.1",
                "echo still-runs");

        assertThat(result.stdout()).isEqualTo("still-runs\n");
        assertThat(result.stderr()).contains("X11 forwarding is refused by Sluice");
    }

    @Test
    void execOutputIsMaskedForTheCallerAndInTheRecording() {
        Cli.Result masked = harness.sshWithToken(harness.token("alice-mask", "sre"), "web-1", "",
                "echo contact ada@example.com; echo last line bob@example.org");
        Cli.Result exempt = harness.sshWithToken(harness.token("dora", "dpo", "sre"), "web-1", "",
                "echo contact ada@example.com");

        assertThat(masked.exitCode()).isZero();
        assertThat(masked.stdout()).startsWith("contact ").doesNotContain("ada@example.com")
                .doesNotContain("bob@example.org").contains("last line");
        assertThat(exempt.stdout()).isEqualTo("contact ada@example.com\n");
        Eventually.await(() -> assertThat(audit("alice-mask")).filteredOn(r -> r.kind().equals("recording"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.details().toString()).doesNotContain("ada@example.com")));
    }

    @Test
    void anAuditorEndsALiveSshSessionOverRestAndTheClientIsTold() throws Exception {
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> harness.sshWithToken(
                harness.token("agent-long", "sre"), List.of("-o", "LogLevel=INFO"), "web-1", "", "sleep 60"));
        String[] id = new String[1];
        Eventually.await(Duration.ofSeconds(20), () -> {
            List<AuditRecord> started = audit("agent-long").stream().filter(r -> r.kind().equals("command")).toList();
            assertThat(started).isNotEmpty();
            id[0] = started.getFirst().session();
        });

        java.net.http.HttpResponse<String> killed = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + harness.httpPort()
                        + "/api/sessions/live/" + id[0] + "?reason=runaway+agent"))
                        .header("Authorization", "Bearer " + harness.token("audrey", "auditors")).DELETE().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(killed.statusCode()).isEqualTo(202);
        Cli.Result result = running.get(30, TimeUnit.SECONDS);
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("runaway agent");
        Eventually.await(() -> assertThat(audit("agent-long")).filteredOn(r -> r.kind().equals("session.end"))
                .singleElement().satisfies(r -> assertThat(r.details().toString() + r.error())
                        .contains("runaway agent")));
    }
}
