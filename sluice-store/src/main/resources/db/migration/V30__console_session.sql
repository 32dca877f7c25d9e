-- Signed-in browsers of the web console (see dev.sluice.store.ConsoleSessionStore), so that every replica sharing
-- the store knows every session and a sign-out on one ends it on all. Portable SQL like V20. The id is the SHA-256
-- of the cookie, never the cookie itself; `idp_session` is what single logout needs (the SAML SessionIndex).
CREATE TABLE console_session (
    id           TEXT   NOT NULL PRIMARY KEY,
    csrf         TEXT   NOT NULL,
    method       TEXT   NOT NULL,
    issuer       TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    display_name TEXT   NOT NULL,
    groups_json  TEXT   NOT NULL,
    idp_session  TEXT   NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    last_used_ms BIGINT NOT NULL
);

CREATE INDEX console_session_expires ON console_session (expires_ms);

-- Sign-ins under way (OIDC state / SAML RelayState, by SHA-256), so the identity provider's answer may reach any
-- replica: `secret` is the PKCE verifier or the SAML request id, taken (deleted) exactly once.
CREATE TABLE console_signin (
    id         TEXT   NOT NULL PRIMARY KEY,
    secret     TEXT   NOT NULL,
    nonce      TEXT   NOT NULL,
    return_to  TEXT   NOT NULL,
    browser    TEXT   NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE INDEX console_signin_created ON console_signin (created_ms);
