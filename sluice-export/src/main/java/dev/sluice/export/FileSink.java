package dev.sluice.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;

/**
 * JSON lines appended to a file, forced to disk before a batch counts as delivered. When the file has reached its
 * size limit it is rotated before the next batch: {@code path} becomes {@code path.1}, {@code path.1} becomes
 * {@code path.2}, and so on up to {@code keep} old files; the oldest is deleted. A batch is never split across files.
 */
final class FileSink implements ExportSink {
    private final SinkConfig.File config;
    private FileChannel channel;

    FileSink(SinkConfig.File config) {
        this.config = config;
    }

    @Override
    public void send(List<AuditRecord> batch) throws IOException {
        StringBuilder text = new StringBuilder();
        for (AuditRecord record : batch) {
            text.append(AuditJson.toJson(record)).append('\n');
        }
        if (channel != null && channel.size() >= config.maxBytes()) {
            close();
            rotate();
        }
        if (channel == null) {
            Path parent = config.path().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            channel = FileChannel.open(config.path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            if (channel.size() >= config.maxBytes()) {
                close();
                rotate();
                channel = FileChannel.open(config.path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
        }
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
    }

    private void rotate() throws IOException {
        Files.deleteIfExists(numbered(config.keep()));
        for (int i = config.keep() - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(config.path(), numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }

    private Path numbered(int n) {
        return config.path().resolveSibling(config.path().getFileName() + "." + n);
    }

    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // everything delivered was forced already
        }
        channel = null;
    }
}
