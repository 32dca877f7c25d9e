package dev.sluice.core.policy;

import static dev.sluice.core.policy.Fixtures.input;
import static dev.sluice.core.policy.Fixtures.principal;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.core.identity.Principal;

/**
 * Path rules and letter case: many routers (IIS, ASP.NET Core, case-insensitive file systems) run {@code /ADMIN} as
 * {@code /admin}, so deny and hold rules match paths ignoring case, while allow rules match them exactly.
 */
class PolicyPathCaseTest {
    private final Principal agent = principal("claude", "agents");

    private static Command get(String path) {
        return new HttpCommand("GET", "billing.internal", path, "", Map.of());
    }

    @Test
    void aDenyRuleOnAPathMatchesEveryCaseSpellingOfIt() {
        PolicySet set = Fixtures.policies("""
                - name: no-admin
                  deny:
                    paths: ["/admin", "/admin/**"]
                """);
        for (String path : List.of("/admin", "/Admin/users", "/ADMIN/users", "/aDmIn")) {
            assertThat(set.evaluate(input(agent, get(path))).verdict()).as(path)
                    .isEqualTo(new Verdict.Deny("no-admin", "rule 'no-admin' denies GET"));
        }
        assertThat(set.evaluate(input(agent, get("/administrators"))).verdict()).isEqualTo(new Verdict.Allow(""));
    }

    @Test
    void anAllowRuleOnAPathMatchesOnlyItsOwnSpelling() {
        PolicySet set = Fixtures.policies("""
                - name: invoices
                  allow:
                    paths: ["/v1/invoices"]
                """);
        assertThat(set.evaluate(input(agent, "billing", PolicyInput.DENY, get("/v1/invoices"))).verdict())
                .isEqualTo(new Verdict.Allow("invoices"));
        assertThat(set.evaluate(input(agent, "billing", PolicyInput.DENY, get("/V1/Invoices"))).verdict())
                .isInstanceOf(Verdict.Deny.class);
    }
}
