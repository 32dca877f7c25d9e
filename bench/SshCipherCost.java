import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What one GiB of SSH packets costs the JDK's crypto as MINA SSHD drives it: AES-128-CTR with HMAC-SHA-256 (etm: the
 * MAC over the encrypted packet, one doFinal per packet), against AES-128-GCM initialised afresh for every packet
 * (MINA's BaseGCMCipher: init, updateAAD of the 4-byte length, doFinal in place), encrypting and decrypting. Prints
 * seconds per GiB for four rounds (the first ones include JIT compilation): the warm rounds are the figure.
 *
 *   java bench/SshCipherCost.java [PACKET_BYTES]     # default 32768, MINA's and OpenSSH's channel packet size
 */
public class SshCipherCost {
    public static void main(String[] args) throws Exception {
        int packet = args.length > 0 ? Integer.parseInt(args[0]) : 32 * 1024;
        int packets = (int) ((1L << 30) / packet);
        byte[] key = new byte[16];
        byte[] macKey = new byte[32];
        byte[] buffer = new byte[packet + 64];
        byte[] tag = new byte[32];
        SecretKey aes = new SecretKeySpec(key, "AES");
        for (int round = 1; round <= 4; round++) {
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, aes, new IvParameterSpec(new byte[16]));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            long t0 = System.nanoTime();
            for (int i = 0; i < packets; i++) {
                ctr.update(buffer, 4, packet, buffer, 4);
                mac.update(buffer, 0, packet + 4);
                mac.doFinal(tag, 0);
            }
            long ctrNanos = System.nanoTime() - t0;

            Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding");
            Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] iv = new byte[12];
            long encryptNanos = 0;
            long decryptNanos = 0;
            for (int i = 0; i < packets; i++) {
                iv[11]++;
                if (iv[11] == 0) {
                    iv[10]++;
                }
                GCMParameterSpec spec = new GCMParameterSpec(128, iv.clone());
                long s = System.nanoTime();
                encrypt.init(Cipher.ENCRYPT_MODE, aes, spec);
                encrypt.updateAAD(buffer, 0, 4);
                encrypt.doFinal(buffer, 4, packet - 16, buffer, 4);
                long m = System.nanoTime();
                decrypt.init(Cipher.DECRYPT_MODE, aes, spec);
                decrypt.updateAAD(buffer, 0, 4);
                decrypt.doFinal(buffer, 4, packet, buffer, 4);
                long e = System.nanoTime();
                encryptNanos += m - s;
                decryptNanos += e - m;
            }
            System.out.printf("round %d, %d-byte packets: AES-CTR + HMAC-SHA-256 %.2f s/GiB, AES-GCM encrypt %.2f s/GiB,"
                    + " AES-GCM decrypt %.2f s/GiB%n", round, packet, ctrNanos / 1e9, encryptNanos / 1e9,
                    decryptNanos / 1e9);
        }
    }
}
