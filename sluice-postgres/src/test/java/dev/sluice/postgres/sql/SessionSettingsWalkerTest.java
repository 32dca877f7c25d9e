package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pinned-settings facts {@link SessionSettingsWalker} extracts, through {@link SqlClassifier#classify}. */
class SessionSettingsWalkerTest {

    private static SqlClassifier classifier;

    @BeforeAll
    static void load() {
        classifier = SqlClassifier.create(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SET standard_conforming_strings = off",
            "SET standard_conforming_strings TO 'off'",
            "set STANDARD_CONFORMING_STRINGS = false",
            "SET \"Standard_Conforming_Strings\" = off",
            "SET SESSION standard_conforming_strings = off",
            "SET LOCAL standard_conforming_strings = off",
            "BEGIN; SET LOCAL standard_conforming_strings = off; COMMIT",
            "SET standard_conforming_strings = 0",
            "SET standard_conforming_strings = E'of\\x66'",
            "SET standard_conforming_strings = U&'\\006ff'",
            "SET standard_conforming_strings = $$off$$",
            "SET standard_conforming_strings = on, off",
            "SET standard_conforming_strings TO DEFAULT",
            "SET standard_conforming_strings FROM CURRENT",
            "RESET standard_conforming_strings",
            "SET backslash_quote = on",
            "SET backslash_quote = off",
            "RESET backslash_quote",
            "SET client_encoding = 'SJIS'",
            "SET client_encoding TO 'sjis'",
            "SET client_encoding = 'Shift-JIS'",
            "SET client_encoding = 'MSKANJI'",
            "SET client_encoding = 'WIN932'",
            "SET client_encoding = 'BIG5'",
            "SET client_encoding = 'gbk'",
            "SET client_encoding = 'CP936'",
            "SET client_encoding = 'UHC'",
            "SET client_encoding = 'GB18030'",
            "SET client_encoding = 'JOHAB'",
            "SET client_encoding = 'SHIFT_JIS_2004'",
            "SET client_encoding = 'MULE_INTERNAL'",
            "SET client_encoding = 'LATIN6'",
            "SET client_encoding = 'klingon'",
            "SET client_encoding = 6",
            "SET client_encoding TO DEFAULT",
            "RESET client_encoding",
            "SET NAMES 'SJIS'",
            "SET NAMES DEFAULT",
            "SELECT set_config('standard_conforming_strings', 'off', false)",
            "SELECT pg_catalog.set_config('Standard_Conforming_Strings', 'off', true)",
            "SELECT 1 FROM (SELECT set_config('standard_conforming_strings', 'off', false)) s",
            "WITH s AS (SELECT set_config('standard_conforming_strings', 'off', false)) SELECT * FROM s",
            "VALUES (set_config('client_encoding', 'SJIS', false))",
            "SELECT length(set_config('backslash_quote', 'on', false))",
            "SELECT set_config('standard_' || 'conforming_strings', 'off', false)",
            "SELECT set_config(format('%s', 'standard_conforming_strings'), 'off', false)",
            "SELECT set_config(chr(115) || 'tandard_conforming_strings', 'off', false)",
            "SELECT set_config('standard_conforming_strings'::text, 'off', false)",
            "SELECT set_config(name, 'off', false) FROM (VALUES ('standard_conforming_strings')) v(name)",
            "SELECT set_config(VARIADIC ARRAY['standard_conforming_strings', 'off', 'false'])",
            "SELECT set_config(setting_name => 'standard_conforming_strings', new_value => 'off', is_local => false)",
            "SELECT set_config('standard_conforming_strings', current_setting('x'), false)",
            "SELECT * FROM set_config('standard_conforming_strings', 'off', false)",
            "PREPARE p AS SELECT set_config('standard_conforming_strings', 'off', false)",
            "EXPLAIN ANALYZE SELECT set_config('standard_conforming_strings', 'off', false)",
            "ALTER ROLE app SET standard_conforming_strings = off",
            "ALTER USER app IN DATABASE orders SET client_encoding = 'SJIS'",
            "ALTER DATABASE orders SET standard_conforming_strings TO off",
            "ALTER ROLE ALL SET backslash_quote = on",
            "ALTER SYSTEM SET standard_conforming_strings = off",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET standard_conforming_strings = off AS 'select 1'",
            "CREATE PROCEDURE p() LANGUAGE sql SET client_encoding = 'SJIS' AS 'select 1'",
            "ALTER FUNCTION f() SET standard_conforming_strings FROM CURRENT",
            "ALTER PROCEDURE p() RESET standard_conforming_strings",
            "CREATE AGGREGATE flip(text, bool) (sfunc = set_config, stype = text)",
            "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
            "WITH u AS (UPDATE pg_catalog.pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding' "
                    + "RETURNING 1) SELECT * FROM u",
            "SELECT 1; SET standard_conforming_strings = off"})
    void refusesEveryAttemptToChangeAPinnedSetting(String sql) {
        Classification result = classifier.classify(sql);

        assertThat(result.refusal()).as(sql).isPresent();
        assertThat(result.refusal().get()).containsAnyOf("pinned by Sluice", "Sluice pins", "not allowed",
                "Sluice accepts");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SET standard_conforming_strings = on",
            "SET standard_conforming_strings TO 'true'",
            "SET LOCAL standard_conforming_strings = 1",
            "SET backslash_quote = safe_encoding",
            "SET client_encoding = 'UTF8'",
            "SET client_encoding TO 'utf-8'",
            "SET NAMES 'LATIN1'",
            "SET client_encoding = 'WIN1252'",
            "SET client_encoding = 'EUC_JP'",
            "SET escape_string_warning = off",
            "SET search_path = public",
            "RESET ALL",
            "DISCARD ALL",
            "SELECT set_config('search_path', 'public', false)",
            "SELECT set_config('standard_conforming_strings', 'on', false)",
            "SELECT set_config('client_encoding', 'UTF8', false)",
            "SELECT current_setting('standard_conforming_strings')",
            "SELECT * FROM pg_settings WHERE name = 'standard_conforming_strings'",
            "SELECT 'set_config', 'SET standard_conforming_strings = off'",
            "SELECT 'a\\' || '; DROP TABLE items; --'"})
    void letsThroughWhatKeepsThePins(String sql) {
        assertThat(classifier.classify(sql).refusal()).as(sql).isEmpty();
    }

    @Test
    void namesTheClientOnlyEncodingInItsRefusal() {
        assertThat(classifier.classify("SET client_encoding = 'sjis'").refusal())
                .hasValueSatisfying(reason -> assertThat(reason).startsWith("client_encoding SJIS is not allowed"));
    }

    @Test
    void unparsableTextHasNoSettingsFactsAndStaysUnknown() {
        Classification result = classifier.classify("SET standard_conforming_strings = ");

        assertThat(result.hasUnknown()).isTrue();
        assertThat(result.refusal()).isEmpty();
    }
}
