package dev.sluice.ssh.sftp;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One SFTP packet (draft-ietf-secsh-filexfer-02, version 3 as OpenSSH speaks it): {@code uint32 length},
 * {@code byte type}, then the body (for every type but INIT and VERSION starting with {@code uint32 request-id}).
 * Framing is bounded: a length over {@link #MAX_LENGTH} is refused before anything is allocated.
 *
 * @param type the packet type
 * @param body everything after the type byte (the request id included)
 */
public record SftpPacket(int type, byte[] body) {
    /** OpenSSH's own limit is 256 KiB; a little room above it for extensions. */
    public static final int MAX_LENGTH = 512 * 1024;

    public static final int INIT = 1;
    public static final int VERSION = 2;
    public static final int OPEN = 3;
    public static final int CLOSE = 4;
    public static final int READ = 5;
    public static final int WRITE = 6;
    public static final int LSTAT = 7;
    public static final int FSTAT = 8;
    public static final int SETSTAT = 9;
    public static final int FSETSTAT = 10;
    public static final int OPENDIR = 11;
    public static final int READDIR = 12;
    public static final int REMOVE = 13;
    public static final int MKDIR = 14;
    public static final int RMDIR = 15;
    public static final int REALPATH = 16;
    public static final int STAT = 17;
    public static final int RENAME = 18;
    public static final int READLINK = 19;
    public static final int SYMLINK = 20;
    public static final int STATUS = 101;
    public static final int HANDLE = 102;
    public static final int DATA = 103;
    public static final int NAME = 104;
    public static final int ATTRS = 105;
    public static final int EXTENDED = 200;
    public static final int EXTENDED_REPLY = 201;

    /** STATUS codes. */
    public static final int FX_OK = 0;
    public static final int FX_EOF = 1;
    public static final int FX_NO_SUCH_FILE = 2;
    public static final int FX_PERMISSION_DENIED = 3;
    public static final int FX_FAILURE = 4;
    public static final int FX_BAD_MESSAGE = 5;
    public static final int FX_OP_UNSUPPORTED = 8;

    /** OPEN pflags. */
    public static final int FXF_READ = 0x01;
    public static final int FXF_WRITE = 0x02;
    public static final int FXF_APPEND = 0x04;
    public static final int FXF_CREAT = 0x08;
    public static final int FXF_TRUNC = 0x10;
    public static final int FXF_EXCL = 0x20;

    /** Raised for a packet that breaks the framing or its type's layout. */
    public static final class MalformedPacketException extends IOException {
        private static final long serialVersionUID = 1L;

        public MalformedPacketException(String message) {
            super(message);
        }
    }

    /** Reads one packet; empty at a clean end of stream (before any byte of a packet). */
    public static java.util.Optional<SftpPacket> read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int first = in.read();
        if (first < 0) {
            return java.util.Optional.empty();
        }
        byte[] rest = new byte[3];
        try {
            data.readFully(rest);
        } catch (EOFException e) {
            throw new MalformedPacketException("truncated packet length");
        }
        long length = ((long) first << 24 | (rest[0] & 0xFFL) << 16 | (rest[1] & 0xFFL) << 8 | (rest[2] & 0xFFL));
        if (length < 1 || length > MAX_LENGTH) {
            throw new MalformedPacketException("SFTP packet length " + length + " (expected: 1.." + MAX_LENGTH + ")");
        }
        byte[] body = new byte[(int) length - 1];
        int type;
        try {
            type = data.readUnsignedByte();
            data.readFully(body);
        } catch (EOFException e) {
            throw new MalformedPacketException("truncated SFTP packet (expected " + length + " bytes)");
        }
        return java.util.Optional.of(new SftpPacket(type, body));
    }

    /** The packet on the wire. */
    public byte[] encode() {
        ByteBuffer result = ByteBuffer.allocate(5 + body.length);
        result.putInt(1 + body.length).put((byte) type).put(body);
        return result.array();
    }

    /** A reader over the body. */
    public Fields fields() {
        return new Fields(body);
    }

    /** The request id (every type but INIT and VERSION). */
    public int id() throws MalformedPacketException {
        return fields().uint32();
    }

    /**
     * Writes this packet with {@code id} as its request id, without copying the body (the data path of every READ
     * and WRITE goes through here).
     */
    public void writeWithId(java.io.OutputStream out, int id) throws IOException {
        if (body.length < 4) {
            throw new MalformedPacketException("SFTP packet without a request id");
        }
        byte[] header = ByteBuffer.allocate(9).putInt(1 + body.length).put((byte) type).putInt(id).array();
        out.write(header);
        out.write(body, 4, body.length - 4);
    }

    /** The same packet with another request id. */
    public SftpPacket withId(int id) {
        byte[] copy = body.clone();
        ByteBuffer.wrap(copy).putInt(0, id);
        return new SftpPacket(type, copy);
    }

    /** A STATUS reply. */
    public static SftpPacket status(int id, int code, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(4 + 4 + 4 + text.length + 4);
        body.putInt(id).putInt(code).putInt(text.length).put(text).putInt(0);
        return new SftpPacket(STATUS, body.array());
    }

    /** A request Sluice sends itself: {@code type}, {@code id}, then SSH strings. */
    public static SftpPacket request(int type, int id, String... strings) {
        byte[][] encoded = new byte[strings.length][];
        int size = 4;
        for (int i = 0; i < strings.length; i++) {
            encoded[i] = strings[i].getBytes(StandardCharsets.UTF_8);
            size += 4 + encoded[i].length;
        }
        ByteBuffer body = ByteBuffer.allocate(size);
        body.putInt(id);
        for (byte[] s : encoded) {
            body.putInt(s.length).put(s);
        }
        return new SftpPacket(type, body.array());
    }

    /** Sequential reads over a body, each bounded by what is left. */
    public static final class Fields {
        private final ByteBuffer buffer;

        Fields(byte[] body) {
            this.buffer = ByteBuffer.wrap(body);
        }

        public int uint32() throws MalformedPacketException {
            if (buffer.remaining() < 4) {
                throw new MalformedPacketException("truncated SFTP field (expected 4 bytes)");
            }
            return buffer.getInt();
        }

        public long uint64() throws MalformedPacketException {
            if (buffer.remaining() < 8) {
                throw new MalformedPacketException("truncated SFTP field (expected 8 bytes)");
            }
            return buffer.getLong();
        }

        public byte[] bytes() throws MalformedPacketException {
            int length = uint32();
            if (length < 0 || length > buffer.remaining()) {
                throw new MalformedPacketException("SFTP string of " + Integer.toUnsignedString(length)
                        + " bytes (expected: <= " + buffer.remaining() + ")");
            }
            byte[] result = new byte[length];
            buffer.get(result);
            return result;
        }

        /** A string as UTF-8; a path that is not valid UTF-8 is refused by the caller (see {@link #path}). */
        public String string() throws MalformedPacketException {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        /**
         * A path: must be valid UTF-8 without NUL, since Sluice judges text and the server reads bytes; two readings
         * of one path are never allowed.
         */
        public String path() throws MalformedPacketException {
            byte[] raw = bytes();
            try {
                String result = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw)).toString();
                if (result.indexOf('\0') >= 0) {
                    throw new MalformedPacketException("SFTP path with a NUL byte");
                }
                return result;
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new MalformedPacketException("SFTP path that is not valid UTF-8");
            }
        }

        public int remaining() {
            return buffer.remaining();
        }
    }
}
