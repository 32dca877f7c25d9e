package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** docs/policy.md stays true: its YAML parses and it documents every CEL variable. */
class PolicyDocsTest {
    private static final Path DOC = Path.of("..", "docs", "policy.md");

    @Test
    void everyYamlBlockInTheDocsParses() throws IOException {
        Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(2);
        for (String block : blocks) {
            assertThat(PolicySet.parse(List.of(YamlRuleSource.policies(DOC, block))).rules()).isNotEmpty();
        }
    }

    @Test
    void documentsEveryCelVariable() throws IOException {
        String doc = Files.readString(DOC);
        CelSupport.SCHEMA.forEach((root, fields) -> fields.keySet().forEach(field ->
                assertThat(doc).contains("`" + root + "." + field + "`")));
    }
}
