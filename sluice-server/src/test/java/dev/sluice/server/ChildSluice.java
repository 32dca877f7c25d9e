package dev.sluice.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a {@code sluice} child JVM ({@code serve}, {@code relay}) that a test starts as its own process,
 * on the test JVM's Java and class path. C1 only and the serial collector: a child lives seconds to a minute under a
 * light load, where C2's compiling and G1's threads cost more CPU than they save on this 2-core machine.
 */
final class ChildSluice {
    private ChildSluice() {
    }

    static List<String> command(String... sluiceArguments) {
        List<String> result = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                SluiceCli.class.getName()));
        result.addAll(List.of(sluiceArguments));
        return result;
    }
}
