package dev.sluice.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SSH identities (key {@code identity.ssh}): the user CAs whose OpenSSH certificates Sluice accepts (the certificate's
 * one principal is the identity's subject) and public keys registered to identities (for agents without a token
 * flow). Keys are kept as OpenSSH lines; the SSH protocol module parses and compares them.
 *
 * @param trustedUserCaKeys key {@code trusted-user-ca-keys}: each item a file of public key lines (as sshd's
 *                          {@code TrustedUserCAKeys}) or one inline key line; here the lines, comments dropped
 * @param caGroups          key {@code ca-groups}: groups given to every identity a trusted CA's certificate proves
 * @param keys              key {@code keys}: registered keys with their subject and groups
 */
public record SshIdentityConfig(List<String> trustedUserCaKeys, Set<String> caGroups, List<Key> keys) {
    static final Set<String> KEYS = Set.of("trusted-user-ca-keys", "ca-groups", "keys");
    private static final Pattern KEY_LINE = Pattern.compile(
            "(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\\s+[A-Za-z0-9+/]+={0,3}(?:\\s.*)?");
    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9@._:+-]{1,200}");

    /** One registered key: whoever proves this key is {@code subject}, in {@code groups}. */
    public record Key(String subject, Set<String> groups, String key) {
        public Key {
            Objects.requireNonNull(subject, "subject");
            groups = Set.copyOf(groups);
            Objects.requireNonNull(key, "key");
        }
    }

    public SshIdentityConfig {
        trustedUserCaKeys = List.copyOf(trustedUserCaKeys);
        caGroups = Set.copyOf(caGroups);
        keys = List.copyOf(keys);
    }

    public static SshIdentityConfig none() {
        return new SshIdentityConfig(List.of(), Set.of(), List.of());
    }

    static SshIdentityConfig bind(ConfigNode identity, ConfigProblems problems) {
        ConfigNode node = problems.map(identity, "ssh");
        problems.rejectUnknownKeys(node, KEYS);
        List<String> cas = new ArrayList<>();
        for (ConfigNode item : problems.list(node, "trusted-user-ca-keys").items()) {
            if (!item.isScalar()) {
                problems.add(item, "expected a file of CA public keys or one key line");
                continue;
            }
            String text = item.text().strip();
            if (KEY_LINE.matcher(text).matches()) {
                cas.add(text);
                continue;
            }
            Path file = ConfigProblems.resolve(item.file(), text);
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
                for (String line : lines) {
                    if (!KEY_LINE.matcher(line).matches()) {
                        problems.add(item, "the file " + file + " holds a line that is not an OpenSSH public key");
                    }
                }
                if (lines.isEmpty()) {
                    problems.add(item, "the file " + file + " holds no public key");
                }
                cas.addAll(lines);
            } catch (IOException e) {
                problems.add(item, "cannot read the CA key file " + file + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        Set<String> caGroups = new LinkedHashSet<>(problems.stringList(node, "ca-groups"));
        List<Key> keys = new ArrayList<>();
        for (ConfigNode item : problems.list(node, "keys").items()) {
            if (!item.isMap()) {
                problems.add(item, "expected a map with subject, groups and key");
                continue;
            }
            problems.rejectUnknownKeys(item, Set.of("subject", "groups", "key"));
            String subject = problems.requiredString(item, "subject");
            if (!subject.isEmpty() && !SUBJECT.matcher(subject).matches()) {
                problems.add(item.at("subject"), "expected a subject of letters, digits and @._:+-");
            }
            List<String> groups = problems.stringList(item, "groups");
            String key = problems.requiredString(item, "key").strip();
            if (!key.isEmpty() && !KEY_LINE.matcher(key).matches()) {
                problems.add(item.at("key"), "expected an OpenSSH public key line (ssh-ed25519 AAAA… comment)");
                continue;
            }
            if (!subject.isEmpty() && !key.isEmpty()) {
                keys.add(new Key(subject, new LinkedHashSet<>(groups), key));
            }
        }
        return new SshIdentityConfig(cas, caGroups, keys);
    }
}
