package dev.sluice.postgres.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.sluice.core.Secret;

/**
 * The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677; channel binding type
 * tls-server-end-point, RFC 5929), as PostgreSQL runs it inside SASLInitialResponse / AuthenticationSASLContinue /
 * SASLResponse / AuthenticationSASLFinal.
 *
 * <pre>
 * client-first:  &lt;gs2&gt;n=&lt;user&gt;,r=&lt;client nonce&gt;                    (PostgreSQL ignores n=)
 *                gs2 = "n,,"  no channel binding
 *                      "y,,"  the client could bind but the server offered no -PLUS (a server that can bind fails)
 *                      "p=tls-server-end-point,,"  SCRAM-SHA-256-PLUS
 * server-first:  r=&lt;client nonce + server nonce&gt;,s=&lt;base64 salt&gt;,i=&lt;iterations&gt;
 * client-final:  c=&lt;base64(gs2 + binding data)&gt;,r=&lt;full nonce&gt;,p=&lt;base64 ClientProof&gt;
 * server-final:  v=&lt;base64 ServerSignature&gt;   or   e=&lt;error&gt;
 * </pre>
 *
 * <p>With binding, the binding data (the hash of the TLS server certificate) enters the AuthMessage that both proofs
 * sign: a man in the middle that terminates TLS presents another certificate, so the real server's check and this
 * client's check of the server signature both fail.
 *
 * <p>The password goes through {@link SaslPrep} (see there for what is not normalised). One instance runs
 * one exchange, in order, on one thread. A server nonce that does not extend the client nonce, an iteration
 * count outside 1..{@value #MAX_ITERATIONS}, a mandatory extension or a server signature mismatch raises
 * {@link WireException}; messages never contain the password, keys or proofs.
 */
public final class Scram {
    public static final String MECHANISM = "SCRAM-SHA-256";
    public static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    /** Bounds the PBKDF2 work a server can demand (PostgreSQL's default is 4096). */
    static final int MAX_ITERATIONS = 10_000_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State { NEW, FIRST_SENT, FINAL_SENT, DONE }

    private final String user;
    private final Secret password;
    private final String clientNonce;
    private final Binding binding;
    private State state = State.NEW;
    private byte[] expectedServerSignature;
    private boolean verified;

    private Scram(String user, Secret password, String clientNonce, Binding binding) {
        this.user = user;
        this.password = password;
        this.clientNonce = clientNonce;
        this.binding = binding;
    }

    /**
     * What the client says about channel binding: its GS2 header and the binding data appended to it in the
     * client-final-message's {@code c=} attribute.
     */
    public record Binding(String gs2Header, byte[] data) {
        public Binding {
            data = data.clone();
        }

        /** No channel binding: the connection is not TLS, or binding is disabled. */
        public static Binding none() {
            return new Binding("n,,", new byte[0]);
        }

        /** The client could bind, but the server offered no SCRAM-SHA-256-PLUS (RFC 5802 gs2-cbind-flag "y"). */
        public static Binding notOffered() {
            return new Binding("y,,", new byte[0]);
        }

        /** tls-server-end-point: {@code endPointHash} is the hash of the server's TLS certificate (RFC 5929 4.1). */
        public static Binding tlsServerEndPoint(byte[] endPointHash) {
            if (endPointHash.length == 0) {
                throw new IllegalArgumentException("empty channel binding data");
            }
            return new Binding("p=tls-server-end-point,,", endPointHash);
        }

        /** Whether this exchange is SCRAM-SHA-256-PLUS. */
        public boolean bound() {
            return gs2Header.startsWith("p=");
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** A client exchange without channel binding, with an 18-byte random nonce. */
    public static Scram client(String user, Secret password) {
        return client(user, password, Binding.none());
    }

    /** A client exchange with an 18-byte random nonce. */
    public static Scram client(String user, Secret password, Binding binding) {
        byte[] nonce = new byte[18];
        RANDOM.nextBytes(nonce);
        return client(user, password, Base64.getEncoder().encodeToString(nonce), binding);
    }

    /** A client exchange with a fixed nonce, for test vectors. */
    static Scram client(String user, Secret password, String nonce) {
        return client(user, password, nonce, Binding.none());
    }

    static Scram client(String user, Secret password, String nonce, Binding binding) {
        if (password.isEmpty()) {
            throw new WireException("SCRAM needs a non-empty password");
        }
        if (nonce.isEmpty() || !nonce.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
            throw new IllegalArgumentException("nonce must be printable ASCII without ','");
        }
        return new Scram(user, password, nonce, binding);
    }

    /** The SASL mechanism this exchange runs: {@value #MECHANISM_PLUS} when bound, else {@value #MECHANISM}. */
    public String mechanism() {
        return binding.bound() ? MECHANISM_PLUS : MECHANISM;
    }

    /** Whether the server has proved it knows the password (the server-final-message was checked). */
    public boolean done() {
        return verified;
    }

    public byte[] clientFirstMessage() {
        advance(State.NEW, State.FIRST_SENT);
        return (binding.gs2Header() + clientFirstBare()).getBytes(StandardCharsets.UTF_8);
    }

    /** Answers the server-first-message (the AuthenticationSASLContinue data) with the client-final-message. */
    public byte[] clientFinalMessage(byte[] serverFirstMessage) {
        advance(State.FIRST_SENT, State.FINAL_SENT);
        String serverFirst = ascii(serverFirstMessage, "server-first-message");
        String[] parts = serverFirst.split(",", -1);
        if (parts.length < 3 || parts[0].startsWith("m=")) {
            throw new WireException("SCRAM server-first-message is malformed or has a mandatory extension");
        }
        String nonce = attribute(parts[0], 'r');
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new WireException("SCRAM server nonce does not extend the client nonce");
        }
        byte[] salt = base64(attribute(parts[1], 's'), "salt");
        int iterations = iterations(attribute(parts[2], 'i'));

        byte[] saltedPassword = hi(SaslPrep.prepare(password.reveal()).getBytes(StandardCharsets.UTF_8), salt,
                iterations);
        byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = sha256(clientKey);
        byte[] header = binding.gs2Header().getBytes(StandardCharsets.US_ASCII);
        byte[] data = binding.data();
        byte[] cbind = Arrays.copyOf(header, header.length + data.length);
        System.arraycopy(data, 0, cbind, header.length, data.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbind) + ",r=" + nonce;
        byte[] authMessage = (clientFirstBare() + "," + serverFirst + "," + withoutProof)
                .getBytes(StandardCharsets.UTF_8);
        byte[] proof = hmac(storedKey, authMessage);
        for (int i = 0; i < proof.length; i++) {
            proof[i] ^= clientKey[i];
        }
        byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        expectedServerSignature = hmac(serverKey, authMessage);
        Arrays.fill(saltedPassword, (byte) 0);
        Arrays.fill(clientKey, (byte) 0);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.US_ASCII);
    }

    /** Checks the server-final-message (the AuthenticationSASLFinal data): the server proved it knows the password. */
    public void verifyServerFinal(byte[] serverFinalMessage) {
        advance(State.FINAL_SENT, State.DONE);
        String serverFinal = ascii(serverFinalMessage, "server-final-message");
        if (serverFinal.startsWith("e=")) {
            throw new WireException("SCRAM server reported an error: " + serverFinal.substring(2).split(",", 2)[0]);
        }
        byte[] signature = base64(attribute(serverFinal.split(",", 2)[0], 'v'), "server signature");
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new WireException("SCRAM server signature does not match: the server does not know the password");
        }
        verified = true;
    }

    private String clientFirstBare() {
        return "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
    }

    private void advance(State expected, State next) {
        if (state != expected) {
            throw new WireException("SCRAM step out of order (expected state " + expected + ", was " + state + ")");
        }
        state = next;
    }

    private static String attribute(String part, char name) {
        if (part.length() < 2 || part.charAt(0) != name || part.charAt(1) != '=') {
            throw new WireException("SCRAM attribute '" + name + "=' missing (expected: " + name + "=<value>)");
        }
        return part.substring(2);
    }

    private static int iterations(String value) {
        int result;
        try {
            result = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new WireException("SCRAM iteration count is not a number");
        }
        if (result < 1 || result > MAX_ITERATIONS) {
            throw new WireException("SCRAM iteration count " + result + " (expected: 1.." + MAX_ITERATIONS + ")");
        }
        return result;
    }

    private static String ascii(byte[] message, String what) {
        for (byte b : message) {
            if (b < 0x20 || b == 0x7f) {
                throw new WireException("SCRAM " + what + " contains a non-printable byte");
            }
        }
        return new String(message, StandardCharsets.US_ASCII);
    }

    private static byte[] base64(String value, String what) {
        try {
            byte[] result = Base64.getDecoder().decode(value);
            if (result.length == 0) {
                throw new WireException("SCRAM " + what + " is empty");
            }
            return result;
        } catch (IllegalArgumentException e) {
            throw new WireException("SCRAM " + what + " is not valid base64");
        }
    }

    /** PBKDF2 with HMAC-SHA-256 and a 32-byte output: RFC 5802's Hi(). */
    private static byte[] hi(byte[] password, byte[] salt, int iterations) {
        Mac mac = mac(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        Arrays.fill(password, (byte) 0);
        return result;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        return mac(key).doFinal(data);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac result = Mac.getInstance("HmacSHA256");
            result.init(new SecretKeySpec(key, "HmacSHA256"));
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK provides HmacSHA256", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "Scram[user=" + user + ", state=" + state + "]";
    }
}
