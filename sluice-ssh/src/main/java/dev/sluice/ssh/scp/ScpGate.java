package dev.sluice.ssh.scp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.ssh.sftp.FileJudge;
import dev.sluice.ssh.sftp.FileOp;
import dev.sluice.ssh.sftp.SftpPaths;

/**
 * Sits in a legacy scp stream ({@code scp -t} or {@code scp -f} on the host) and judges every file and directory
 * before its control line reaches the other side. The <em>source</em> (the caller for an upload, the target for a
 * download) sends control lines ({@link ScpLine}) and file contents; the <em>sink</em> answers each line with one
 * {@link ScpResponse}.
 *
 * <ul>
 *   <li>Upload ({@code scp -t ROOT}): each {@code C} is judged as {@code WRITE}, each {@code D} as {@code MKDIR}, on
 *       the path the host's scp will write: {@code ROOT/name} and, unless {@code -d} says ROOT is a directory,
 *       ROOT itself (the host writes there when ROOT is not a directory; both readings are judged). Entries of a
 *       directory are judged below it.</li>
 *   <li>Download ({@code scp -f PATH...}): each top-level {@code C}/{@code D} the host sends is the next requested
 *       path, judged as {@code READ}/{@code LIST}; entries of a directory below it.</li>
 * </ul>
 * A {@code T} (times) line is held back and answered to the source by the gate until the entry it belongs to is
 * judged: it reaches the sink just before that entry's line when the entry is allowed, and never otherwise (a
 * refused download's times would tell the caller about a file it may not read; a refused upload's would be set on
 * the next file the host writes).
 * A refused entry is answered to the source with {@code \x01Sluice: ...} (OpenSSH's source then skips that file or
 * directory and goes on with the next; a download's caller is also told with an error line), and never reaches the
 * sink. A line that breaks the protocol or the name rules ({@code ..}, {@code /}, control characters) stops the
 * transfer: the caller gets {@code \x02Sluice: ...} and the target's input is closed.
 *
 * <p>Sluice reads the stream exactly as the host's scp does: contents are counted, not scanned, and whether
 * contents follow a {@code C} line depends on the sink's answer to it, so the gate waits for that answer (answers
 * are counted one for each line and each file's end, as OpenSSH's source consumes them, so a source that does not
 * wait for answers cannot make the gate and the host read a line differently).
 *
 * <p>Threads: {@link #run} reads the source on the calling thread and starts one virtual thread that relays the
 * sink's answers. Writes to the source's side go through a lock (both threads write there).
 */
public final class ScpGate {
    private static final int BUFFER = 256 * 1024;
    private static final Duration JOIN = Duration.ofSeconds(5);
    /** Directories open at once; deeper is refused (each level keeps its paths). */
    static final int MAX_DEPTH = 128;
    /** Answers received and not yet matched to a line; a receiver that answers what was never sent is cut off. */
    static final int MAX_UNMATCHED_ANSWERS = 1024;

    private final boolean upload;
    private final List<String> roots;
    private final boolean intoDirectory;
    private final InputStream sourceIn;
    private final OutputStream sinkOut;
    private final InputStream sinkIn;
    private final OutputStream sourceOut;
    private final FileJudge judge;
    private final ReentrantLock sourceLock = new ReentrantLock();
    private final LinkedBlockingQueue<ScpResponse> answers = new LinkedBlockingQueue<>();
    private final Deque<List<String>> directories = new ArrayDeque<>();
    /** Answers the sink owes for lines already passed on (the first: the sink's "ready"). */
    private int owed = 1;
    private int nextRoot;
    private ScpResponse lastAnswer = ScpResponse.CLOSED;
    /** The sink's stream has ended: nothing more is judged or passed on. */
    private boolean ended;
    /** The {@code T} line of the next entry, answered by the gate and not yet passed on (empty when none). */
    private Optional<byte[]> heldTime = Optional.empty();
    /** Answers of the sink to held lines the gate answered itself: counted, not relayed to the source. */
    private final java.util.concurrent.atomic.AtomicInteger swallowed = new java.util.concurrent.atomic.AtomicInteger();

    private ScpGate(boolean upload, List<String> roots, boolean intoDirectory, InputStream sourceIn,
                    OutputStream sinkOut, InputStream sinkIn, OutputStream sourceOut, FileJudge judge) {
        this.upload = upload;
        this.roots = List.copyOf(roots);
        this.intoDirectory = intoDirectory;
        this.sourceIn = new BufferedInputStream(sourceIn, BUFFER);
        this.sinkOut = sinkOut;
        this.sinkIn = new BufferedInputStream(sinkIn, 8 * 1024);
        this.sourceOut = sourceOut;
        this.judge = judge;
    }

    /**
     * An upload into {@code root} (as {@link FileOp} paths are written: absolute, or {@code ~/…} for the login's
     * home); {@code intoDirectory} when the command had {@code -d}.
     */
    public static ScpGate upload(String root, boolean intoDirectory, InputStream fromClient, OutputStream toClient,
                                 InputStream fromTarget, OutputStream toTarget, FileJudge judge) {
        return new ScpGate(true, List.of(root), intoDirectory, fromClient, toTarget, fromTarget, toClient, judge);
    }

    /** A download of {@code paths} (in the order of the command line). */
    public static ScpGate download(List<String> paths, InputStream fromClient, OutputStream toClient,
                                   InputStream fromTarget, OutputStream toTarget, FileJudge judge) {
        return new ScpGate(false, paths, false, fromTarget, toClient, fromClient, toTarget, judge);
    }

    /** Relays until the source ends its stream; the target's input is closed at the end of an upload. */
    public void run() throws IOException {
        Thread relay = Thread.ofVirtual().name("sluice-scp-answers").start(this::relayAnswers);
        try {
            control();
        } catch (ScpLine.MalformedLineException e) {
            // Fail closed: a line Sluice cannot read as the host would is not passed on, and the transfer ends.
            judge.refused("scp " + (upload ? "upload" : "download"), e.getMessage());
            stop(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop("interrupted");
        } finally {
            if (upload) {
                closeQuietly(sinkOut);
            }
            try {
                relay.join(JOIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void control() throws IOException, InterruptedException {
        Optional<byte[]> raw;
        while (!ended && (raw = ScpLine.readRaw(sourceIn)).isPresent()) {
            switch (ScpLine.parse(raw.get())) {
                case ScpLine.Time time -> {
                    // held until its entry is judged; the source waits for an answer before it sends the entry
                    heldTime = raw;
                    toSource(new byte[] {0});
                }
                case ScpLine.End end -> {
                    heldTime = Optional.empty(); // times of no entry: never passed on
                    directories.pollFirst();
                    pass(raw.get(), 1);
                }
                case ScpLine.Error error -> {
                    heldTime = Optional.empty();
                    if (!upload && directories.isEmpty()) {
                        nextRoot++; // the host could not send this requested path
                    }
                    pass(raw.get(), 0);
                }
                case ScpLine.File file -> {
                    if (entry(raw.get(), upload ? "WRITE" : "READ", file.name())) {
                        contents(file.size());
                    }
                }
                case ScpLine.Directory directory -> {
                    if (directories.size() >= MAX_DEPTH) {
                        // Fail closed: memory stays bounded whatever the depth a sender claims.
                        throw new ScpLine.MalformedLineException("scp directories nested deeper than " + MAX_DEPTH
                                + " (expected: <= " + MAX_DEPTH + ")");
                    }
                    entry(raw.get(), upload ? "MKDIR" : "LIST", directory.name());
                }
            }
        }
    }

    /**
     * Judges one entry; passes its line on when allowed and waits for the sink's answer. True when the sink took it
     * (a file's contents follow, a directory's entries are below it).
     */
    private boolean entry(byte[] raw, String kind, String name) throws IOException, InterruptedException {
        List<String> paths = paths(name);
        StringBuilder text = new StringBuilder("scp ").append(kind.toLowerCase()).append(' ').append(paths.getFirst());
        if (paths.size() > 1) {
            text.append(" (or ").append(paths.get(1)).append(')');
        }
        List<FileOp> ops = paths.stream().map(p -> FileOp.of(kind, p)).toList();
        settle();
        if (ended) {
            return false;
        }
        Optional<byte[]> time = heldTime;
        heldTime = Optional.empty();
        switch (judge.judge(text.toString(), ops)) {
            case FileJudge.Answer.Refuse refuse -> {
                // the entry's held times are dropped with it: the sink never sees them
                // the source skips this entry (OpenSSH: response() < 0), so the sink never hears of it
                byte[] error = ScpLine.error("Sluice: " + refuse.message());
                if (!upload) {
                    ScpLine.send(sinkOut, error); // the caller (the sink of a download) is told, and goes on
                }
                toSource(error);
                return false;
            }
            case FileJudge.Answer.Forward forward -> {
                if (time.isPresent()) {
                    swallowed.incrementAndGet(); // the source had its answer from the gate
                    pass(time.get(), 1);
                    settle();
                    if (ended || !lastAnswer.ok()) {
                        // Fail closed: a sink that rejects a times line the source was told it took is out of step.
                        throw new ScpLine.MalformedLineException("the host refused a times line: "
                                + lastAnswer.message());
                    }
                }
                pass(raw, 1);
                settle();
                ScpResponse answer = lastAnswer;
                judge.completed(forward.commandId(), answer.status(), answer.message());
                if (answer.ok() && kind.equals(upload ? "MKDIR" : "LIST")) {
                    directories.addFirst(paths);
                }
                return answer.ok();
            }
        }
    }

    /** Waits until the sink has answered every line passed on; keeps the last answer. */
    private void settle() throws InterruptedException {
        for (; owed > 0; owed--) {
            lastAnswer = answers.take();
            if (lastAnswer == ScpResponse.CLOSED) {
                ended = true;
                owed = 0;
                return;
            }
        }
    }

    /** A file's contents (counted, passed on unchanged) and the source's status after them. */
    private void contents(long size) throws IOException {
        byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(size, 1))];
        long left = size;
        while (left > 0) {
            int n = sourceIn.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new ScpLine.MalformedLineException("scp stream ended inside a file's contents");
            }
            sinkOut.write(buffer, 0, n);
            left -= n;
        }
        if (upload) {
            judge.transferred(size, 0);
        } else {
            judge.transferred(0, size);
        }
        Optional<ScpResponse> status = ScpResponse.read(sourceIn);
        if (status.isEmpty()) {
            throw new ScpLine.MalformedLineException("scp stream ended after a file's contents");
        }
        pass(status.get().raw(), 1);
    }

    /**
     * The paths an entry named {@code name} touches on the host: below each reading of its directory; at the top of
     * an upload {@code ROOT/name} and (without {@code -d}) ROOT itself; at the top of a download the next requested
     * path.
     */
    private List<String> paths(String name) throws ScpLine.MalformedLineException {
        List<String> result = new ArrayList<>();
        if (!directories.isEmpty()) {
            for (String parent : directories.peekFirst()) {
                add(result, join(parent, name));
            }
        } else if (upload) {
            add(result, join(roots.getFirst(), name));
            if (!intoDirectory) {
                add(result, roots.getFirst());
            }
        } else {
            if (nextRoot >= roots.size()) {
                // Fail closed: more top-level entries than requested paths; which file this is cannot be known.
                throw new ScpLine.MalformedLineException("the host sent more entries than paths were requested");
            }
            add(result, roots.get(nextRoot++));
        }
        return List.copyOf(result);
    }

    private static void add(List<String> paths, String path) {
        if (!paths.contains(path)) {
            paths.add(path);
        }
    }

    /** {@code name} below {@code base} (absolute, or {@code ~/…}), folded. */
    static String join(String base, String name) {
        boolean home = base.startsWith("~");
        String folded = SftpPaths.absolute("/", (home ? base.substring(1) : base) + "/" + name);
        return home ? "~" + folded : folded;
    }

    /** Passes a line (or a status) on to the sink; {@code answers} is how many answers the sink owes for it. */
    private void pass(byte[] raw, int answersOwed) throws IOException {
        ScpLine.send(sinkOut, raw);
        owed += answersOwed;
    }

    private void relayAnswers() {
        try {
            Optional<ScpResponse> next;
            while ((next = ScpResponse.read(sinkIn)).isPresent()) {
                if (answers.size() >= MAX_UNMATCHED_ANSWERS) {
                    // Fail closed: answers to lines never sent would pile up; the transfer ends.
                    return;
                }
                // passed on before it is counted: a refusal the control thread writes after taking it comes after
                if (swallowed.get() > 0) {
                    swallowed.decrementAndGet(); // the answer to a held times line: the source had the gate's
                } else {
                    toSource(next.get().raw());
                }
                answers.add(next.get());
            }
        } catch (IOException e) {
            // the sink is gone: the transfer ends
        } finally {
            answers.add(ScpResponse.CLOSED);
            if (!upload) {
                closeQuietly(sourceOut); // the caller's input ended: so does the target's
            }
        }
    }

    /** Ends the transfer: the caller is told with a fatal error, the target's input is closed. */
    private void stop(String reason) {
        byte[] fatal = ("\u0002Sluice: scp transfer stopped: " + reason.replace('\n', ' ') + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (upload) {
                toSource(fatal);
            } else {
                ScpLine.send(sinkOut, fatal);
            }
        } catch (IOException e) {
            // the caller is gone
        }
        closeQuietly(upload ? sinkOut : sourceOut);
    }

    private void toSource(byte[] bytes) throws IOException {
        sourceLock.lock();
        try {
            ScpLine.send(sourceOut, bytes);
        } finally {
            sourceLock.unlock();
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // closed either way
        }
    }
}
