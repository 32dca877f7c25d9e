package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;

/** The {@code sluice} command line run inside the test JVM, as an operator would type it. */
final class InProcessCli {
    private InProcessCli() {
    }

    /** Runs {@code args}; fails the test unless it exits 0 (with what it wrote to stderr); returns its stdout. */
    static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = SluiceCli.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int code = command.execute(args);
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }
}
