package dev.sluice.postgres.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlClassifierDangerousFunctionsTest {

    @ParameterizedTest
    @ValueSource(strings = {"pg_terminate_backend", "pg_cancel_backend", "pg_read_file", "pg_read_binary_file",
            "pg_ls_dir", "pg_stat_file", "lo_import", "lo_export", "lo_unlink", "dblink", "dblink_exec",
            "dblink_connect_u", "dblink_some_future_variant", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
            "set_config", "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal",
            "pg_create_restore_point", "pg_file_write", "pg_advisory_lock", "pg_try_advisory_xact_lock_shared",
            "query_to_xml", "query_to_xml_and_xmlschema", "PG_SLEEP", "pg_catalog.pg_sleep", "ts_stat"})
    void flagsFunctionsThatReachOutsideTheQuery(String name) {
        assertThat(DangerousFunctions.isDangerous(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"now", "count", "lower", "current_setting", "pg_get_userbyid", "pg_table_is_visible",
            "format_type", "sleep", "pg_catalog.array_to_string", ""})
    void leavesOrdinaryFunctionsAlone(String name) {
        assertThat(DangerousFunctions.isDangerous(name)).isFalse();
    }

    @Test
    void listsEveryNamedMemberInLowerCaseAndFlagsEachOfThem() {
        assertThat(DangerousFunctions.all()).hasSizeGreaterThan(60)
                .allSatisfy(name -> {
                    assertThat(name).isEqualTo(name.toLowerCase(java.util.Locale.ROOT));
                    assertThat(DangerousFunctions.isDangerous(name)).isTrue();
                });
    }

    @Test
    void flagsTheDangerousFunctionsTheClassifierReports() {
        var functions = SqlClassifier.create().classify(
                "SELECT pg_catalog.PG_READ_FILE('/etc/passwd'), count(*) FROM t WHERE pg_sleep(1) IS NULL")
                .commands().getFirst().functions();

        assertThat(functions.stream().filter(DangerousFunctions::isDangerous))
                .containsExactlyInAnyOrder("pg_read_file", "pg_sleep");
    }
}
