package dev.sluice.core.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One node of a parsed YAML document, as the policy parser reads it. The configuration loader adapts its own node
 * type to this interface, so that the policy package does not depend on how YAML is loaded.
 *
 * <p>Exactly one of {@link #isMap()}, {@link #isList()} and {@link #isScalar()} is true. A YAML {@code null}
 * (an empty value) is a scalar whose {@link #text()} is empty.
 */
public interface RuleSource {
    /** The file the node was read from. */
    Path file();

    /** The 1-based line on which the node starts. */
    int line();

    /** The key path of the node from the document root, e.g. {@code policies[0].deny.when}. */
    String path();

    boolean isMap();

    boolean isList();

    boolean isScalar();

    /** The entries of a map in document order; empty for a list or a scalar. */
    Map<String, RuleSource> entries();

    /** The items of a list in document order; empty for a map or a scalar. */
    List<RuleSource> items();

    /** The text of a scalar; empty for a map or a list. */
    String text();
}
