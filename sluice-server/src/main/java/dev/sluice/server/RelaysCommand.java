package dev.sluice.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice relays}: the relays connected to a running gateway, from its API ({@code GET /api/relays}). */
@Command(name = "relays", description = "List the relays connected to a running gateway (auditors).")
final class RelaysCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ApprovalsCommand.Api api;

    @Option(names = "--json", description = "one JSON object a line")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        var result = api.call(spec, "GET", "/api/relays", java.util.Map.of());
        if (result.isEmpty()) {
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        for (var r : result.get().path("relays")) {
            out.println(json ? r.toString() : CliText.escape(r.path("id").asText()) + "  group "
                    + CliText.escape(r.path("group").asText()) + "  from " + CliText.escape(r.path("address").asText())
                    + "  since " + r.path("connected_since").asText() + "  heartbeat "
                    + r.path("last_heartbeat").asText() + (r.path("healthy").asBoolean() ? "  healthy" : "  STALE")
                    + "  " + r.path("sessions").asInt() + " sessions  certificate until "
                    + r.path("certificate_expires").asText());
        }
        out.flush();
        return 0;
    }
}
