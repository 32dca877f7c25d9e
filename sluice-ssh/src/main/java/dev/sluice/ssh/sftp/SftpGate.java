package dev.sluice.ssh.sftp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sits in an SFTP subsystem stream between the caller and the target's {@code sftp-server}: every request that
 * touches a path (open for read or write, opendir, remove, rename, mkdir, rmdir, setstat, symlink, hardlink) is
 * judged before it is forwarded; a refused one is answered {@code SSH_FX_PERMISSION_DENIED} by Sluice and never
 * reaches the target. So is every request that reveals metadata by path (stat, lstat, readlink, realpath,
 * expand-path), as {@code STAT}. Data packets (read, write, readdir, fstat, close) on handles the gate allowed pass
 * through; where masking applies, reads are widened and masked ({@link MaskedReads}).
 *
 * <p>Paths are judged as the server will resolve them: made absolute against the login's home (asked of the server
 * once at the start), {@code .}/{@code ..} folded, and then resolved by the server itself ({@code REALPATH}, which
 * follows symbolic links) so that a link to {@code /etc} is judged as {@code /etc}. Both the path and its resolution
 * are judged. Request ids are renumbered, so Sluice's own requests never collide with the client's.
 *
 * <p>Threads: {@link #run} reads the client on the calling thread and starts one virtual thread reading the target.
 */
public final class SftpGate {
    static final Duration INTERNAL_TIMEOUT = Duration.ofSeconds(15);
    private static final int READ_BUFFER = 256 * 1024;
    private static final Set<String> PASSIVE_EXTENSIONS = Set.of("statvfs@openssh.com", "fstatvfs@openssh.com",
            "fsync@openssh.com", "limits@openssh.com", "home-directory", "users-groups-by-id@openssh.com",
            "copy-data", "check-file-handle");

    private final BufferedInputStream fromClient;
    private final OutputStream toClient;
    private final BufferedInputStream fromTarget;
    private final OutputStream toTarget;
    private final FileJudge judge;
    private final Optional<MaskedReads> masking;
    private final ReentrantLock clientLock = new ReentrantLock();
    private final ReentrantLock targetLock = new ReentrantLock();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, String> handles = new ConcurrentHashMap<>();
    private String home = "/";

    /** A forwarded request waiting for its answer. */
    private record Pending(int clientId, Optional<Long> commandId, Optional<String> openPath,
                           Optional<CompletableFuture<SftpPacket>> internal, Optional<MaskedRead> read) {
        Pending(int clientId, Optional<Long> commandId, Optional<String> openPath,
                Optional<CompletableFuture<SftpPacket>> internal) {
            this(clientId, commandId, openPath, internal, Optional.empty());
        }
    }

    /** A READ widened for masking, and the file it reads (for the audit trail). */
    private record MaskedRead(MaskedReads.Window window, String path) {
    }

    public SftpGate(InputStream fromClient, OutputStream toClient, InputStream fromTarget, OutputStream toTarget,
                    FileJudge judge) {
        this(fromClient, toClient, fromTarget, toTarget, judge, Optional.empty());
    }

    /**
     * A gate that masks what the caller reads of files with {@code masking} (same-length, see {@link MaskedReads}),
     * and refuses the reads it cannot mask.
     */
    public SftpGate(InputStream fromClient, OutputStream toClient, InputStream fromTarget, OutputStream toTarget,
                    FileJudge judge, Optional<MaskedReads> masking) {
        this.masking = masking;
        // buffered: a packet is read in four pieces, and each read of MINA's piped channel stream takes its lock,
        // copies and may adjust the window (a JFR profile of scp had a third of the gate's samples there)
        this.fromClient = new BufferedInputStream(fromClient, READ_BUFFER);
        this.toClient = toClient;
        this.fromTarget = new BufferedInputStream(fromTarget, READ_BUFFER);
        this.toTarget = toTarget;
        this.judge = judge;
    }

    /** Relays until the client closes its side; the target side ends on its own thread. */
    public void run() throws IOException {
        Thread responses = Thread.ofVirtual().name("sluice-sftp-target").start(this::responses);
        try {
            Optional<SftpPacket> first = SftpPacket.read(fromClient);
            if (first.isEmpty()) {
                return;
            }
            if (first.get().type() != SftpPacket.INIT) {
                throw new SftpPacket.MalformedPacketException("the first SFTP packet must be INIT");
            }
            toTarget(first.get());
            home = ask(SftpPacket.request(SftpPacket.REALPATH, 0, ".")).flatMap(SftpGate::firstName).orElse("/");
            Optional<SftpPacket> next;
            while ((next = SftpPacket.read(fromClient)).isPresent()) {
                request(next.get());
                if (!packetBuffered(fromClient)) {
                    flushTarget(); // before the next read may wait: nothing forwarded is left behind
                }
            }
        } finally {
            try {
                flushTarget();
                toTarget.close();
            } catch (IOException e) {
                // the target side ends either way
            }
            try {
                responses.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void request(SftpPacket packet) throws IOException {
        int clientId = packet.id();
        SftpPacket.Fields f = packet.fields();
        f.uint32();
        try {
            switch (packet.type()) {
                case SftpPacket.OPEN -> {
                    String path = f.path();
                    int flags = f.uint32();
                    List<String> kinds = new ArrayList<>();
                    if ((flags & SftpPacket.FXF_READ) != 0) {
                        kinds.add("READ");
                    }
                    if ((flags & (SftpPacket.FXF_WRITE | SftpPacket.FXF_APPEND | SftpPacket.FXF_CREAT
                            | SftpPacket.FXF_TRUNC)) != 0 || kinds.isEmpty()) {
                        kinds.add("WRITE");
                    }
                    judged(packet, clientId, "open " + String.join("+", kinds).toLowerCase(), kinds, path,
                            Optional.empty(), true);
                }
                case SftpPacket.OPENDIR -> judged(packet, clientId, "opendir", List.of("LIST"), f.path(),
                        Optional.empty(), true);
                case SftpPacket.REMOVE -> judged(packet, clientId, "remove", List.of("DELETE"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.MKDIR -> judged(packet, clientId, "mkdir", List.of("MKDIR"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.RMDIR -> judged(packet, clientId, "rmdir", List.of("RMDIR"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.SETSTAT -> judged(packet, clientId, "setstat", List.of("SETSTAT"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.RENAME -> {
                    String from = f.path();
                    judged(packet, clientId, "rename", List.of("RENAME"), from, Optional.of(f.path()), false);
                }
                case SftpPacket.SYMLINK -> {
                    // OpenSSH sends (target, link) where the draft says (link, target): judge both as paths.
                    String first = f.path();
                    judged(packet, clientId, "symlink", List.of("LINK"), first, Optional.of(f.path()), false);
                }
                case SftpPacket.FSETSTAT -> {
                    String handle = HexFormat.of().formatHex(f.bytes());
                    Optional<String> path = Optional.ofNullable(handles.get(handle));
                    if (path.isEmpty()) {
                        refuse(clientId, "fsetstat on a handle Sluice did not open", SftpPacket.FX_FAILURE);
                    } else {
                        judgeAndForward(packet, clientId, "fsetstat " + path.get(),
                                List.of(FileOp.of("SETSTAT", path.get())), Optional.empty());
                    }
                }
                case SftpPacket.EXTENDED -> extended(packet, clientId, f);
                case SftpPacket.READ -> {
                    if (masking.isPresent()) {
                        maskedRead(clientId, f);
                    } else {
                        forward(packet, clientId, Optional.empty(), Optional.empty());
                    }
                }
                // Metadata names and describes files: judged as STAT on the path (as given and as resolved).
                case SftpPacket.STAT -> judged(packet, clientId, "stat", List.of("STAT"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.LSTAT -> judged(packet, clientId, "lstat", List.of("STAT"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.READLINK -> judged(packet, clientId, "readlink", List.of("STAT"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.REALPATH -> judged(packet, clientId, "realpath", List.of("STAT"), f.path(),
                        Optional.empty(), false);
                case SftpPacket.CLOSE, SftpPacket.WRITE, SftpPacket.FSTAT, SftpPacket.READDIR -> {
                    if (packet.type() == SftpPacket.WRITE) {
                        judge.transferred(packet.body().length, 0);
                    }
                    forward(packet, clientId, Optional.empty(), Optional.empty());
                }
                default -> refuse(clientId, "SFTP request type " + packet.type() + " is not supported through Sluice",
                        SftpPacket.FX_OP_UNSUPPORTED);
            }
        } catch (SftpPacket.MalformedPacketException e) {
            judge.refused("sftp request type " + packet.type(), e.getMessage());
            refuse(clientId, e.getMessage(), SftpPacket.FX_BAD_MESSAGE);
        }
    }

    /** A READ on a masked connection: widened to a {@link MaskedReads.Window}, cut back when the answer comes. */
    private void maskedRead(int clientId, SftpPacket.Fields f) throws IOException {
        byte[] handle = f.bytes();
        long offset = f.uint64();
        int length = f.uint32();
        if (offset < 0) {
            refuse(clientId, "SFTP read at a negative offset", SftpPacket.FX_BAD_MESSAGE);
            return;
        }
        MaskedReads.Window window = MaskedReads.Window.of(offset, length);
        String path = Optional.ofNullable(handles.get(HexFormat.of().formatHex(handle))).orElse("(unknown handle)");
        int id = ids.incrementAndGet();
        pending.put(id, new Pending(clientId, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(new MaskedRead(window, path))));
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(4 + 4 + handle.length + 8 + 4);
        body.putInt(id).putInt(handle.length).put(handle).putLong(window.start()).putInt(window.windowLength());
        toTarget(new SftpPacket(SftpPacket.READ, body.array()));
    }

    /** The client's part of a widened read's answer, masked; or EOF; or a refusal where it cannot be masked. */
    private SftpPacket maskedAnswer(SftpPacket packet, int clientId, MaskedRead read) throws IOException {
        if (packet.type() != SftpPacket.DATA) {
            return packet.withId(clientId);
        }
        SftpPacket.Fields f = packet.fields();
        f.uint32();
        byte[] data = f.bytes();
        judge.transferred(0, data.length);
        return switch (masking.orElseThrow().cut(read.window(), data)) {
            case MaskedReads.Cut.Data cut -> {
                java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(8 + cut.bytes().length);
                body.putInt(clientId).putInt(cut.bytes().length).put(cut.bytes());
                yield new SftpPacket(SftpPacket.DATA, body.array());
            }
            case MaskedReads.Cut.Eof eof -> SftpPacket.status(clientId, SftpPacket.FX_EOF, "End of file");
            case MaskedReads.Cut.NotText notText -> {
                // Fail closed: what cannot be masked is not sent.
                String reason = "masking applies to files read on this connection, and " + read.path()
                        + " is not text Sluice can mask (" + notText.reason() + ")";
                judge.refused("read " + read.path(), reason);
                yield SftpPacket.status(clientId, SftpPacket.FX_PERMISSION_DENIED, "Sluice: " + reason);
            }
        };
    }

    private void extended(SftpPacket packet, int clientId, SftpPacket.Fields f) throws IOException {
        String name = f.string();
        switch (name) {
            case "posix-rename@openssh.com" -> {
                String from = f.path();
                judged(packet, clientId, "posix-rename", List.of("RENAME"), from, Optional.of(f.path()), false);
            }
            case "hardlink@openssh.com" -> {
                String from = f.path();
                judged(packet, clientId, "hardlink", List.of("LINK"), from, Optional.of(f.path()), false);
            }
            case "expand-path@openssh.com" -> {
                String path = f.path();
                if (path.startsWith("~") && !path.equals("~") && !path.startsWith("~/")) {
                    // Fail closed: another user's home is not known to Sluice.
                    judge.refused("sftp expand-path " + path, "another user's home directory cannot be judged");
                    refuse(clientId, "expand-path of another user's home is refused", SftpPacket.FX_PERMISSION_DENIED);
                } else {
                    judged(packet, clientId, "expand-path", List.of("STAT"), path.replaceFirst("^~/?", ""),
                            Optional.empty(), false);
                }
            }
            case "check-file-name" -> {
                if (masking.isPresent()) {
                    judge.refused("sftp extension " + name, "file hashes would reveal masked content");
                    refuse(clientId, "SFTP extension " + name + " is refused: masking applies to this connection's "
                            + "files", SftpPacket.FX_PERMISSION_DENIED);
                } else {
                    judged(packet, clientId, "check-file-name", List.of("READ"), f.path(), Optional.empty(), false);
                }
            }
            case "lsetstat@openssh.com" -> judged(packet, clientId, "lsetstat", List.of("SETSTAT"), f.path(),
                    Optional.empty(), false);
            default -> {
                if (masking.isPresent() && name.startsWith("check-file")) {
                    // a hash of a chosen range of a file is an oracle for what masking hides (one byte at a time)
                    judge.refused("sftp extension " + name, "file hashes would reveal masked content");
                    refuse(clientId, "SFTP extension " + name + " is refused: masking applies to this connection's "
                            + "files", SftpPacket.FX_PERMISSION_DENIED);
                } else if (PASSIVE_EXTENSIONS.contains(name)) {
                    forward(packet, clientId, Optional.empty(), Optional.empty());
                } else {
                    judge.refused("sftp extension " + name, "unknown SFTP extension");
                    refuse(clientId, "SFTP extension " + name + " is not supported through Sluice",
                            SftpPacket.FX_OP_UNSUPPORTED);
                }
            }
        }
    }

    /** Judges a request on one path (and maybe a second), each as given and as the server resolves it. */
    private void judged(SftpPacket packet, int clientId, String verb, List<String> kinds, String path,
                        Optional<String> second, boolean opens) throws IOException {
        String absolute = SftpPaths.absolute(home, path);
        Optional<String> secondAbsolute = second.map(p -> SftpPaths.absolute(home, p));
        List<FileOp> ops = new ArrayList<>();
        for (String kind : kinds) {
            ops.add(new FileOp(kind, absolute, secondAbsolute));
        }
        StringBuilder text = new StringBuilder(verb).append(' ').append(absolute);
        secondAbsolute.ifPresent(s -> text.append(" -> ").append(s));
        Optional<String> resolved = resolve(absolute);
        Optional<String> secondResolved = secondAbsolute.isPresent() ? resolve(secondAbsolute.get())
                : Optional.empty();
        if (resolved.isEmpty() || second.isPresent() && secondResolved.isEmpty()) {
            // Fail closed: the server would not say where the path leads.
            judge.refused(text.toString(), "the target could not resolve the path");
            refuse(clientId, "Sluice could not resolve the path on the target", SftpPacket.FX_PERMISSION_DENIED);
            return;
        }
        if (!resolved.get().equals(absolute) || secondResolved.isPresent()
                && !secondResolved.get().equals(secondAbsolute.get())) {
            for (String kind : kinds) {
                ops.add(new FileOp(kind, resolved.get(), secondResolved));
            }
            text.append(" (resolves to ").append(resolved.get());
            secondResolved.ifPresent(s -> text.append(" -> ").append(s));
            text.append(')');
        }
        judgeAndForward(packet, clientId, text.toString(), ops, opens ? Optional.of(absolute) : Optional.empty());
    }

    private void judgeAndForward(SftpPacket packet, int clientId, String text, List<FileOp> ops,
                                 Optional<String> openPath) throws IOException {
        flushTarget(); // a judgement may wait for an approval: what was forwarded before it goes now
        switch (judge.judge(text, ops)) {
            case FileJudge.Answer.Refuse refuse -> refuse(clientId, refuse.message(),
                    SftpPacket.FX_PERMISSION_DENIED);
            case FileJudge.Answer.Forward forward -> forward(packet, clientId, Optional.of(forward.commandId()),
                    openPath);
        }
    }

    /**
     * Where the server resolves {@code absolute}: its {@code REALPATH} (symbolic links followed); for a path that
     * does not exist yet, the parent's resolution plus the name. Empty when the server answers neither.
     */
    private Optional<String> resolve(String absolute) throws IOException {
        Optional<String> result = ask(SftpPacket.request(SftpPacket.REALPATH, 0, absolute))
                .flatMap(SftpGate::firstName);
        if (result.isPresent() || absolute.equals("/")) {
            return result;
        }
        return ask(SftpPacket.request(SftpPacket.REALPATH, 0, SftpPaths.parent(absolute)))
                .flatMap(SftpGate::firstName)
                .map(parent -> SftpPaths.absolute(parent, SftpPaths.name(absolute)));
    }

    /** Sends one of Sluice's own requests and waits for its answer (bounded). */
    private Optional<SftpPacket> ask(SftpPacket request) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<SftpPacket> answer = new CompletableFuture<>();
        pending.put(id, new Pending(0, Optional.empty(), Optional.empty(), Optional.of(answer)));
        toTarget(request.withId(id));
        try {
            return Optional.of(answer.get(INTERNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            pending.remove(id);
            return Optional.empty();
        }
    }

    private static Optional<String> firstName(SftpPacket answer) {
        if (answer.type() != SftpPacket.NAME) {
            return Optional.empty();
        }
        try {
            SftpPacket.Fields f = answer.fields();
            f.uint32();
            if (f.uint32() < 1) {
                return Optional.empty();
            }
            return Optional.of(f.path());
        } catch (SftpPacket.MalformedPacketException e) {
            return Optional.empty();
        }
    }

    private void forward(SftpPacket packet, int clientId, Optional<Long> commandId, Optional<String> openPath)
            throws IOException {
        int id = ids.incrementAndGet();
        pending.put(id, new Pending(clientId, commandId, openPath, Optional.empty()));
        targetLock.lock();
        try {
            packet.writeWithId(toTarget, id); // flushed by run(): packets that follow at once share SSH packets
        } finally {
            targetLock.unlock();
        }
    }

    /**
     * Whether a whole SFTP packet is already buffered in {@code in}, so that reading it cannot wait. The data path
     * flushes only when none is: consecutive SFTP packets then fill the SSH packets (a 32 KiB WRITE flushed on its
     * own costs a full SSH packet and a 40-byte one; a JFR profile had the per-packet work as the biggest cost).
     */
    private static boolean packetBuffered(BufferedInputStream in) {
        try {
            int available = in.available();
            if (available < 4) {
                return false;
            }
            in.mark(4);
            byte[] length = in.readNBytes(4);
            in.reset();
            long result = (length[0] & 0xFFL) << 24 | (length[1] & 0xFFL) << 16 | (length[2] & 0xFFL) << 8
                    | (length[3] & 0xFFL);
            return available - 4 >= result;
        } catch (IOException e) {
            return false; // flushed, and the next read reports the failure
        }
    }

    private void flushTarget() throws IOException {
        targetLock.lock();
        try {
            toTarget.flush();
        } finally {
            targetLock.unlock();
        }
    }

    private void flushClient() throws IOException {
        clientLock.lock();
        try {
            toClient.flush();
        } finally {
            clientLock.unlock();
        }
    }

    private void refuse(int clientId, String message, int code) throws IOException {
        toClient(SftpPacket.status(clientId, code, "Sluice: " + message));
    }

    private void responses() {
        try {
            Optional<SftpPacket> next;
            while ((next = SftpPacket.read(fromTarget)).isPresent()) {
                response(next.get());
                if (!packetBuffered(fromTarget)) {
                    flushClient(); // before the next read may wait: no answer is left behind
                }
            }
            flushClient();
        } catch (IOException e) {
            // the target closed or sent garbage: the subsystem ends
        } finally {
            pending.values().forEach(p -> p.internal().ifPresent(f -> f.completeExceptionally(
                    new IOException("the target closed the SFTP stream"))));
            try {
                toClient.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }

    private void response(SftpPacket packet) throws IOException {
        if (packet.type() == SftpPacket.VERSION) {
            toClient(packet);
            return;
        }
        Pending request = pending.remove(packet.id());
        if (request == null) {
            return; // an answer to nothing Sluice forwarded: dropped
        }
        if (request.internal().isPresent()) {
            request.internal().get().complete(packet);
            return;
        }
        if (packet.type() == SftpPacket.HANDLE && request.openPath().isPresent()) {
            SftpPacket.Fields f = packet.fields();
            f.uint32();
            handles.put(HexFormat.of().formatHex(f.bytes()), request.openPath().get());
        }
        if (request.read().isPresent()) {
            toClient(maskedAnswer(packet, request.clientId(), request.read().get()));
            return;
        }
        if (packet.type() == SftpPacket.DATA) {
            judge.transferred(0, packet.body().length);
        }
        request.commandId().ifPresent(id -> judge.completed(id, status(packet), message(packet)));
        clientLock.lock();
        try {
            packet.writeWithId(toClient, request.clientId()); // flushed by responses(), as forward() is by run()
        } finally {
            clientLock.unlock();
        }
    }

    private static int status(SftpPacket packet) {
        if (packet.type() != SftpPacket.STATUS) {
            return SftpPacket.FX_OK;
        }
        try {
            SftpPacket.Fields f = packet.fields();
            f.uint32();
            return f.uint32();
        } catch (SftpPacket.MalformedPacketException e) {
            return SftpPacket.FX_FAILURE;
        }
    }

    private static String message(SftpPacket packet) {
        if (packet.type() != SftpPacket.STATUS) {
            return "";
        }
        try {
            SftpPacket.Fields f = packet.fields();
            f.uint32();
            f.uint32();
            return f.remaining() > 0 ? new String(f.bytes(), StandardCharsets.UTF_8) : "";
        } catch (SftpPacket.MalformedPacketException e) {
            return "";
        }
    }

    private void toTarget(SftpPacket packet) throws IOException {
        targetLock.lock();
        try {
            toTarget.write(packet.encode());
            toTarget.flush();
        } finally {
            targetLock.unlock();
        }
    }

    private void toClient(SftpPacket packet) throws IOException {
        clientLock.lock();
        try {
            toClient.write(packet.encode());
            toClient.flush();
        } finally {
            clientLock.unlock();
        }
    }
}
