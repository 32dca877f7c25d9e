package dev.sluice.testing;

/** How a {@link PostgresServer} authenticates TCP logins (its {@code pg_hba.conf} method). */
public enum AuthMethod {
    SCRAM_SHA_256("scram-sha-256"),
    /** Passwords are also stored as MD5 hashes, so logins really use the md5 exchange. */
    MD5("md5"),
    TRUST("trust"),
    /** Clear-text password. */
    PASSWORD("password");

    private final String hbaName;

    AuthMethod(String hbaName) {
        this.hbaName = hbaName;
    }

    /** The method's name in {@code pg_hba.conf}. */
    public String hbaName() {
        return hbaName;
    }
}
