package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.sluice.core.Secret;

/** Checked against the SCRAM-SHA-256 test vector of RFC 7677, section 3. */
class ScramTest {
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static Scram rfcClient() {
        return Scram.client("user", Secret.of("pencil"), CLIENT_NONCE);
    }

    private static byte[] ascii(String value) {
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void producesTheRfc7677ClientMessagesAndAcceptsItsServerSignature() {
        Scram scram = rfcClient();

        assertThat(new String(scram.clientFirstMessage(), StandardCharsets.US_ASCII))
                .isEqualTo("n,,n=user,r=" + CLIENT_NONCE);
        assertThat(new String(scram.clientFinalMessage(ascii(SERVER_FIRST)), StandardCharsets.US_ASCII))
                .isEqualTo(CLIENT_FINAL);
        scram.verifyServerFinal(ascii(SERVER_FINAL));
    }

    @Test
    void rejectsAWrongServerSignature() {
        Scram scram = rfcClient();
        scram.clientFirstMessage();
        scram.clientFinalMessage(ascii(SERVER_FIRST));

        assertThatThrownBy(() -> scram.verifyServerFinal(ascii("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")))
                .isInstanceOf(WireException.class).hasMessageContaining("signature does not match");
    }

    @Test
    void rejectsTheRfcServerSignatureWhenThePasswordDiffers() {
        Scram scram = Scram.client("user", Secret.of("pencil2"), CLIENT_NONCE);
        scram.clientFirstMessage();

        assertThat(new String(scram.clientFinalMessage(ascii(SERVER_FIRST)), StandardCharsets.US_ASCII))
                .isNotEqualTo(CLIENT_FINAL);
        assertThatThrownBy(() -> scram.verifyServerFinal(ascii(SERVER_FINAL))).isInstanceOf(WireException.class);
    }

    @Test
    void reportsAServerErrorWithoutLeakingThePassword() {
        Scram scram = rfcClient();
        scram.clientFirstMessage();
        scram.clientFinalMessage(ascii(SERVER_FIRST));

        assertThatThrownBy(() -> scram.verifyServerFinal(ascii("e=invalid-proof")))
                .isInstanceOf(WireException.class)
                .hasMessageContaining("invalid-proof")
                .hasMessageNotContaining("pencil");
    }

    @Test
    void rejectsAServerNonceThatDoesNotExtendTheClientNonce() {
        for (String serverFirst : new String[] {"r=somethingElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                "r=" + CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"}) {
            Scram scram = rfcClient();
            scram.clientFirstMessage();

            assertThatThrownBy(() -> scram.clientFinalMessage(ascii(serverFirst)))
                    .isInstanceOf(WireException.class).hasMessageContaining("nonce");
        }
    }

    @Test
    void rejectsMalformedServerFirstMessages() {
        String nonce = "r=" + CLIENT_NONCE + "xyz";
        for (String serverFirst : new String[] {nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
                nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2147483647", nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many",
                nonce + ",s=!!!,i=4096", nonce + ",s=,i=4096", nonce + ",i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==",
                "m=ext," + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", nonce, ""}) {
            Scram scram = rfcClient();
            scram.clientFirstMessage();

            assertThatThrownBy(() -> scram.clientFinalMessage(ascii(serverFirst))).as(serverFirst)
                    .isInstanceOf(WireException.class);
        }
    }

    @Test
    void refusesStepsOutOfOrder() {
        Scram scram = rfcClient();

        assertThatThrownBy(() -> scram.clientFinalMessage(ascii(SERVER_FIRST))).isInstanceOf(WireException.class);
        assertThatThrownBy(() -> Scram.client("u", Secret.of("p")).verifyServerFinal(ascii(SERVER_FINAL)))
                .isInstanceOf(WireException.class);
    }

    @Test
    void generatesAFreshNonceForEveryExchange() {
        String first = new String(Scram.client("u", Secret.of("p")).clientFirstMessage(), StandardCharsets.US_ASCII);
        String second = new String(Scram.client("u", Secret.of("p")).clientFirstMessage(), StandardCharsets.US_ASCII);

        assertThat(first).startsWith("n,,n=u,r=").hasSize("n,,n=u,r=".length() + 24);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void escapesCommaAndEqualsInTheUserName() {
        String first = new String(Scram.client("a,b=c", Secret.of("p"), "nonce").clientFirstMessage(),
                StandardCharsets.UTF_8);

        assertThat(first).isEqualTo("n,,n=a=2Cb=3Dc,r=nonce");
    }

    @Test
    void refusesAnEmptyPassword() {
        assertThatThrownBy(() -> Scram.client("u", Secret.of(""))).isInstanceOf(WireException.class);
    }

    @Test
    void neverShowsThePasswordInToString() {
        assertThat(rfcClient().toString()).doesNotContain("pencil");
    }

    @Test
    void withTlsServerEndPointBindingTheHeaderAndTheCAttributeCarryTheCertificateHash() {
        byte[] hash = new byte[32];
        for (int i = 0; i < hash.length; i++) {
            hash[i] = (byte) i;
        }
        Scram scram = Scram.client("user", Secret.of("pencil"), CLIENT_NONCE, Scram.Binding.tlsServerEndPoint(hash));

        assertThat(scram.mechanism()).isEqualTo("SCRAM-SHA-256-PLUS");
        assertThat(new String(scram.clientFirstMessage(), StandardCharsets.US_ASCII))
                .isEqualTo("p=tls-server-end-point,,n=user,r=" + CLIENT_NONCE);
        byte[] cbind = new byte["p=tls-server-end-point,,".length() + 32];
        System.arraycopy(ascii("p=tls-server-end-point,,"), 0, cbind, 0, 24);
        System.arraycopy(hash, 0, cbind, 24, 32);
        String clientFinal = new String(scram.clientFinalMessage(ascii(SERVER_FIRST)), StandardCharsets.US_ASCII);
        assertThat(clientFinal).startsWith("c=" + java.util.Base64.getEncoder().encodeToString(cbind) + ",r=")
                .isNotEqualTo(CLIENT_FINAL);
        // The binding data is signed: the unbound exchange's server signature does not verify a bound one.
        assertThatThrownBy(() -> scram.verifyServerFinal(ascii(SERVER_FINAL))).isInstanceOf(WireException.class);
        assertThat(scram.done()).isFalse();
    }

    @Test
    void aClientThatCouldBindButWasNotOfferedPlusSaysSoWithFlagY() {
        Scram scram = Scram.client("user", Secret.of("pencil"), CLIENT_NONCE, Scram.Binding.notOffered());

        assertThat(scram.mechanism()).isEqualTo("SCRAM-SHA-256");
        assertThat(new String(scram.clientFirstMessage(), StandardCharsets.US_ASCII)).startsWith("y,,n=user,");
        assertThat(new String(scram.clientFinalMessage(ascii(SERVER_FIRST)), StandardCharsets.US_ASCII))
                .startsWith("c=eSws,r="); // base64("y,,")
    }

    @Test
    void isDoneOnlyOnceTheServerSignatureIsVerified() {
        Scram scram = rfcClient();
        scram.clientFirstMessage();
        scram.clientFinalMessage(ascii(SERVER_FIRST));
        assertThat(scram.done()).isFalse();
        scram.verifyServerFinal(ascii(SERVER_FINAL));
        assertThat(scram.done()).isTrue();
    }
}
