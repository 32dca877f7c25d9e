package dev.sluice.ssh.sftp;

import java.util.List;

/**
 * What the SFTP gate asks of the session: judge a request's file operations before it goes to the target, and take
 * its outcome. Implemented over the core session; called from the gate's two threads.
 */
public interface FileJudge {

    /** The verdict on one request: its command id when forwarded, or the refusal's words. */
    sealed interface Answer {
        record Forward(long commandId) implements Answer {
        }

        record Refuse(String message) implements Answer {
        }
    }

    /**
     * Judges the operations of one request ({@code text} as audited). Blocks while it is held for approval. Fail
     * closed: any failure to judge or record is a refusal.
     */
    Answer judge(String text, List<FileOp> ops);

    /** The target's answer to a forwarded request: an SFTP status code (0 on success) and its message. */
    void completed(long commandId, int status, String message);

    /** Bytes read from (toClient) or written to (fromClient) files, for the session's counters. */
    default void transferred(long fromClient, long toClient) {
    }

    /** A refusal that needs no verdict (a malformed request): recorded as refused. */
    default void refused(String text, String reason) {
    }
}
