package dev.sluice.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.core.audit.AuditWriteException;

/**
 * The embedded store's write-ahead journal: what makes an event durable before the action it describes goes ahead,
 * at the cost of one append to a file instead of a database commit. {@link #write} appends the event to
 * {@code <store>.ahead} and hands it to the group-commit writer under the same lock, so the journal's order is the
 * chain's order; the writer indexes it into {@code audit_event} shortly after, recording the journal id it reached in
 * {@code audit_journal_mark} in the same transaction. After a crash, {@link #recover} replays exactly the records past
 * the mark.
 *
 * <pre>
 * record := int length | int crc32(id..end) | long id | long timeMs | long rows | 9 × (int n | n bytes UTF-8)
 * </pre>
 *
 * <p>Durability: a record is in the operating system's page cache when {@link #write} returns, so it survives the
 * death of Sluice (kill -9), like the WAL with {@code sync: normal}; {@code sync: full} does not use the journal.
 * A torn last record (crash mid-write) fails its CRC and is ignored: its caller never got an answer.
 *
 * <p>Fail closed, and back by itself: once a batch holding journaled events fails to commit (disk full, store file
 * unwritable), those events are <em>pending</em>: the journal refuses further writes (so every command that needs
 * a durable verdict is refused), the committed mark never moves past a pending event (a restart replays it), and
 * the journal is not emptied. {@link #replayPending} (called by the store every second while any is pending)
 * submits them again with their journal ids; once every one of them is committed, writes resume. Nothing written
 * ahead is lost, in the process or across a restart; an event may be replayed twice after a crash (over-report,
 * never under-report). Thread-safe.
 */
final class AuditJournal implements GroupCommitWriter.JournalHook, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditJournal.class);
    static final long TRUNCATE_AT = 8L * 1024 * 1024;
    private static final int MAX_RECORD = 64 * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final ReentrantLock lock = new ReentrantLock();
    private long lastId;
    /** Journaled events whose batch failed and that are not committed since: journal id to event. */
    private final ConcurrentSkipListMap<Long, EventFields> pending = new ConcurrentSkipListMap<>();
    /** Pending events submitted again and not yet answered. */
    private final java.util.Set<Long> replaying = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A journal record read back. */
    record Entry(long id, EventFields fields) {
    }

    private AuditJournal(Path file, FileChannel channel, long lastId) {
        this.file = file;
        this.channel = channel;
        this.lastId = lastId;
    }

    static Path fileFor(Path store) {
        return store.resolveSibling(store.getFileName() + ".ahead");
    }

    /** Opens (creating) the journal of {@code store} and returns it with the records it still holds. */
    static AuditJournal open(Path store, List<Entry> found) {
        Path file = fileFor(store);
        try {
            found.addAll(read(file));
            PrivateFiles.file(file); // mode 600, like the database it journals for
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            long last = found.isEmpty() ? 0 : found.getLast().id();
            return new AuditJournal(file, channel, last);
        } catch (IOException e) {
            throw new AuditWriteException("cannot open the audit journal " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replays the records past the committed mark through {@code submit}, waits for them, then empties the journal.
     * Ids continue after the highest seen.
     */
    void recover(List<Entry> found, long mark, Function<Entry, CompletableFuture<Long>> replay) {
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (Entry entry : found) {
            if (entry.id() > mark) {
                pending.add(replay.apply(entry));
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        if (!pending.isEmpty()) {
            LOG.warn("audit journal {}: recovered {} event(s) that were durable but not yet indexed", file,
                    pending.size());
        }
        lock.lock();
        try {
            lastId = Math.max(lastId, mark);
            channel.truncate(0);
        } catch (IOException e) {
            throw new AuditWriteException("cannot reset the audit journal " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Appends {@code fields} and submits it with its journal id; durable (against a process crash) on return. */
    CompletableFuture<Long> write(EventFields fields, JournaledSubmit submit) {
        lock.lock();
        try {
            if (!pending.isEmpty()) {
                // Fail closed: nothing new goes ahead until the events of the failed commit are in the trail.
                throw new AuditWriteException("the audit journal " + file + " stopped after a failed commit; it "
                        + "resumes by itself once " + pending.size() + " pending event(s) are committed", null);
            }
            long id = lastId + 1;
            ByteBuffer record = encode(id, fields);
            while (record.hasRemaining()) {
                channel.write(record);
            }
            lastId = id;
            return submit.submit(fields, id);
        } catch (IOException e) {
            throw new AuditWriteException("cannot write the audit journal " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** How the journal hands an event to the writer. */
    @FunctionalInterface
    interface JournaledSubmit {
        CompletableFuture<Long> submit(EventFields fields, long journalId);
    }

    static long mark(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT id FROM audit_journal_mark")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Records how far the journal is committed: up to the batch's highest id, but never past a pending event the
     * batch does not hold (a restart must replay it), and never backwards (a replayed batch holds old ids).
     */
    @Override
    public void beforeCommit(Connection connection, SortedMap<Long, EventFields> journaled) throws SQLException {
        long mark = journaled.lastKey();
        for (Long id : pending.keySet()) {
            if (!journaled.containsKey(id)) {
                mark = Math.min(mark, id - 1);
                break;
            }
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE audit_journal_mark SET id = max(id, ?)")) {
            update.setLong(1, mark);
            update.executeUpdate();
        }
    }

    /**
     * Empties the journal when everything written is indexed and it has grown past {@link #TRUNCATE_AT}. Only
     * opportunistic: a writer may hold the lock while it waits for room in the (full) commit queue, and the commit
     * thread that calls this must never wait for that writer.
     */
    @Override
    public void committed(SortedMap<Long, EventFields> journaled) {
        pending.keySet().removeAll(journaled.keySet());
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (journaled.lastKey() == lastId && pending.isEmpty() && channel.size() > TRUNCATE_AT) {
                channel.truncate(0);
            }
        } catch (IOException e) {
            LOG.warn("cannot truncate the audit journal {}: {}", file, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** True while events of a failed commit are pending: the journal refuses writes until they are committed. */
    boolean broken() {
        return !pending.isEmpty();
    }

    @Override
    public void failed(SortedMap<Long, EventFields> journaled) {
        pending.putAll(journaled);
    }

    /**
     * Submits every pending event again, in journal order and with its journal id; each completes when committed
     * (then it is no longer pending) or fails (it stays pending). Called off the commit thread.
     */
    List<CompletableFuture<Long>> replayPending(JournaledSubmit submit) {
        List<CompletableFuture<Long>> result = new ArrayList<>();
        for (Map.Entry<Long, EventFields> entry : pending.entrySet()) {
            Long id = entry.getKey();
            if (!replaying.add(id)) {
                continue; // still queued from an earlier attempt: never twice in the trail
            }
            try {
                result.add(submit.submit(entry.getValue(), id).whenComplete((seq, e) -> replaying.remove(id)));
            } catch (RuntimeException e) {
                replaying.remove(id);
                throw e;
            }
        }
        return result;
    }

    /** After the writer committed everything queued: the journal holds nothing left to replay. */
    void closeCommitted() {
        lock.lock();
        try {
            if (pending.isEmpty()) {
                channel.truncate(0);
            }
        } catch (IOException e) {
            LOG.warn("cannot empty the audit journal {}: {}", file, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the audit journal {}: {}", file, e.getMessage());
        }
    }

    private static ByteBuffer encode(long id, EventFields f) {
        byte[][] texts = texts(f);
        int size = 4 + 4 + 8 + 8 + 8;
        for (byte[] t : texts) {
            size += 4 + t.length;
        }
        ByteBuffer result = ByteBuffer.allocate(size);
        result.putInt(size - 4).putInt(0).putLong(id).putLong(f.timeMs()).putLong(f.rows());
        for (byte[] t : texts) {
            result.putInt(t.length).put(t);
        }
        CRC32 crc = new CRC32();
        crc.update(result.array(), 8, size - 8);
        result.putInt(4, (int) crc.getValue());
        return result.flip();
    }

    private static byte[][] texts(EventFields f) {
        String[] values = {f.kind(), f.session(), f.subject(), f.groups(), f.connection(), f.statement(), f.verdict(),
            f.error(), f.details()};
        byte[][] result = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i].getBytes(StandardCharsets.UTF_8);
        }
        return result;
    }

    /** Every intact record, in order; stops at the first torn or corrupt one. */
    static List<Entry> read(Path file) throws IOException {
        List<Entry> result = new ArrayList<>();
        if (!Files.exists(file)) {
            return result;
        }
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
        while (all.remaining() >= 8) {
            int length = all.getInt();
            if (length < 28 || length > MAX_RECORD || length > all.remaining()) {
                break;
            }
            int crcValue = all.getInt();
            CRC32 crc = new CRC32();
            crc.update(all.array(), all.position(), length - 4);
            if ((int) crc.getValue() != crcValue) {
                break;
            }
            long id = all.getLong();
            long timeMs = all.getLong();
            long rows = all.getLong();
            String[] t = new String[9];
            for (int i = 0; i < t.length; i++) {
                int n = all.getInt();
                byte[] bytes = new byte[n];
                all.get(bytes);
                t[i] = new String(bytes, StandardCharsets.UTF_8);
            }
            result.add(new Entry(id, new EventFields(timeMs, t[0], t[1], t[2], t[3], t[4], t[5], t[6], rows, t[7],
                    t[8])));
        }
        return result;
    }
}
