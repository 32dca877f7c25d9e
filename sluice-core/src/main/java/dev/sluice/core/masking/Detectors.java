package dev.sluice.core.masking;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The built-in detectors by name, and custom regular-expression detectors. */
public final class Detectors {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Map<String, Detector> BUILT_IN = builtIns();

    private Detectors() {
    }

    /** The built-in detector called {@code name}, e.g. {@code card}; see {@link #builtInNames()}. */
    public static Optional<Detector> builtIn(String name) {
        return Optional.ofNullable(BUILT_IN.get(name));
    }

    /** Names of all built-in detectors, in a stable order. */
    public static Set<String> builtInNames() {
        return BUILT_IN.keySet();
    }

    /**
     * A custom detector reporting every match of a {@link java.util.regex.Pattern}.
     *
     * @param name lower-case name ({@code [a-z][a-z0-9-]*}), distinct from every built-in name
     * @param pattern a Java regular expression that cannot match the empty string
     * @throws MaskingConfigException if the name or the pattern is not acceptable
     */
    public static Detector regex(String name, String pattern) {
        if (!NAME.matcher(name).matches()) {
            throw new MaskingConfigException("detector name '" + abbreviate(name)
                    + "' is not valid (expected: lower-case letters, digits and '-', starting with a letter)");
        }
        if (BUILT_IN.containsKey(name)) {
            throw new MaskingConfigException("detector name '" + name + "' is taken by a built-in detector");
        }
        return RegexDetector.compile(name, pattern);
    }

    private static String abbreviate(String name) {
        return name.length() <= 64 ? name : name.substring(0, 64) + "...";
    }

    private static Map<String, Detector> builtIns() {
        Map<String, Detector> result = new LinkedHashMap<>();
        for (Detector d : new Detector[] {new CardDetector(), new EmailDetector(), new SsnDetector(),
                new PhoneDetector(), new IbanDetector(), new Ipv4Detector(), new Ipv6Detector(),
                new JwtDetector(), new PrivateKeyDetector(), new AwsKeyDetector(), TokenDetector.github(),
                TokenDetector.slack()}) {
            result.put(d.name(), d);
        }
        return Collections.unmodifiableMap(result);
    }
}
