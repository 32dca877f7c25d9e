package dev.sluice.server;

import java.nio.file.Files;

/** Manual debugging aid (not a test): starts an SSH harness and prints how to reach it. Deleted before merge. */
final class SshDebugMain {
    public static void main(String[] args) throws Exception {
        java.net.ServerSocket echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (true) {
                try {
                    java.net.Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (Exception e) {
                        }
                    });
                } catch (Exception e) {
                    return;
                }
            }
        });
        SshHarness h = SshHarness.start(x -> "", x -> "");
        Files.writeString(java.nio.file.Path.of("/tmp/sshdebug/env"), "PORT=" + h.port() + "\nECHO="
                + echo.getLocalPort() + "\nHTTP=" + h.httpPort() + "\nexport SSHPASS='" + h.token("alice", "sre")
                + "'\nDIR=" + h.dir() + "\n");
        System.out.println("ready");
        Thread.sleep(Long.MAX_VALUE);
    }
}
