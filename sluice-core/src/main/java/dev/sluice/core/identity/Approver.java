package dev.sluice.core.identity;

import java.util.Locale;
import java.util.Objects;

/**
 * Who an {@code approvers} entry names: a group, or one subject of one issuer. Subjects and groups are separate
 * namespaces, so a token whose {@code sub} happens to equal a group's name is not a member of that group.
 *
 * <p>Syntax: {@code sre} or {@code group:sre} names the group {@code sre} (a bare name always means a group, as it
 * did in configurations written before subjects were told apart); {@code subject:ISSUER#SUBJECT} names the subject
 * {@code SUBJECT} of the issuer {@code ISSUER} exactly as its tokens carry them in {@code iss} and {@code sub}, e.g.
 * {@code subject:https://login.example.com/realms/main#alice}. The subject is everything after the last {@code #}.
 */
public sealed interface Approver {

    /** Whether {@code person} is named by this entry. */
    boolean matches(Principal person);

    /** The canonical text of this entry. */
    String label();

    /** A group; matched against the token's groups claim, exactly. */
    record Group(String name) implements Approver {
        public Group {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public boolean matches(Principal person) {
            return person.groups().contains(name);
        }

        @Override
        public String label() {
            return "group:" + name;
        }
    }

    /** One identity: an issuer and a subject, both compared exactly (subjects are unique only per issuer). */
    record Subject(String issuer, String subject) implements Approver {
        public Subject {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(subject, "subject");
        }

        @Override
        public boolean matches(Principal person) {
            return person.issuer().equals(issuer) && person.subject().equals(subject);
        }

        @Override
        public String label() {
            return "subject:" + issuer + "#" + subject;
        }
    }

    /**
     * Parses one entry.
     *
     * @throws IllegalArgumentException with a message fit for a {@code FILE:LINE:} problem
     */
    static Approver parse(String text) {
        String value = text.strip();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("an approver must not be empty");
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("group:")) {
            String name = value.substring("group:".length()).strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'" + value + "' names no group (group:NAME)");
            }
            return new Group(name);
        }
        if (lower.startsWith("subject:")) {
            String rest = value.substring("subject:".length()).strip();
            int hash = rest.lastIndexOf('#');
            if (hash <= 0 || hash == rest.length() - 1 || !rest.substring(0, hash).contains("://")) {
                throw new IllegalArgumentException("'" + value + "': a subject approver names its issuer and "
                        + "subject, e.g. subject:https://login.example.com/realms/main#alice (subjects are unique "
                        + "only per issuer)");
            }
            return new Subject(rest.substring(0, hash), rest.substring(hash + 1));
        }
        return new Group(value);
    }

    /** Whether {@code person} is named by {@code entry}; an entry that does not parse names nobody (fail closed). */
    public static boolean names(String entry, Principal person) {
        try {
            return parse(entry).matches(person);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
