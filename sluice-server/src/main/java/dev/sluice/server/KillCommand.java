package dev.sluice.server;

import java.io.IOException;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice kill ID --reason R}: ends an open session on a running gateway (auditors). */
@Command(name = "kill", description = "End an open session on a running gateway: its client is told, and its "
        + "session.end records who ended it and why.")
final class KillCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the session id (sluice sessions --live)")
    String id;

    @Option(names = "--reason", description = "why (recorded in the audit trail)")
    String reason = "";

    @CommandLine.Mixin
    ApprovalsCommand.Api api;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        String path = "/api/sessions/live/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8)
                + "?reason=" + java.net.URLEncoder.encode(reason, java.nio.charset.StandardCharsets.UTF_8);
        if (api.call(spec, "DELETE", path, java.util.Map.of()).isEmpty()) {
            return 1;
        }
        spec.commandLine().getOut().println("session " + CliText.escape(id) + " ended");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
