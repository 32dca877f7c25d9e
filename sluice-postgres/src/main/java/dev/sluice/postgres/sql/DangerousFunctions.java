package dev.sluice.postgres.sql;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one catalog of PostgreSQL functions that reach outside the query: they read or write server files, run SQL
 * given as text or on other servers, signal or stall backends, change settings or roles, control the server, WAL
 * or replication, or take locks that outlive the statement. Names are lower case without schema, as in
 * {@link dev.sluice.core.policy.Command#functions()}.
 * <p>
 * Besides the names in {@link #all()}, every name starting with one of these prefixes is dangerous (families whose
 * members differ by version or extension): {@code dblink}, {@code pg_sleep}, {@code pg_advisory},
 * {@code pg_try_advisory}, {@code pg_read_}, {@code pg_ls_}, {@code pg_file_}, {@code pg_replication_origin},
 * {@code pg_logical_slot}, {@code query_to_xml}, {@code cursor_to_xml}, {@code table_to_xml},
 * {@code schema_to_xml}, {@code database_to_xml}.
 */
public final class DangerousFunctions {

    private static final List<String> PREFIXES = List.of("dblink", "pg_sleep", "pg_advisory", "pg_try_advisory",
            "pg_read_", "pg_ls_", "pg_file_", "pg_replication_origin", "pg_logical_slot", "query_to_xml",
            "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml");

    private static final Set<String> NAMES = Set.of(
            // backends
            "pg_terminate_backend", "pg_cancel_backend", "pg_log_backend_memory_contexts",
            // server files (superuser, pg_read_server_files / pg_write_server_files) and adminpack
            "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir",
            "pg_ls_archive_statusdir", "pg_stat_file", "pg_file_write", "pg_file_rename", "pg_file_unlink",
            "pg_file_sync", "pg_logdir_ls", "pg_current_logfile",
            // large objects bound to server files, or destroying data
            "lo_import", "lo_export", "lo_unlink",
            // other servers and SQL run from text (the server-side equivalents of COPY, EXECUTE and dblink)
            "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u", "dblink_open", "dblink_fetch",
            "dblink_send_query", "dblink_get_result", "query_to_xml", "query_to_xmlschema",
            "query_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "table_to_xml",
            "table_to_xml_and_xmlschema", "schema_to_xml", "database_to_xml", "ts_stat", "ts_rewrite",
            // stalls and locks that outlive the statement
            "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_advisory_lock", "pg_advisory_lock_shared",
            "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_lock",
            "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
            "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
            // settings and roles (set_config('role', ..) is SET ROLE), notifications
            "set_config", "pg_notify",
            // server control, WAL, backup, replication
            "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "pg_create_restore_point",
            "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup", "pg_wal_replay_pause",
            "pg_wal_replay_resume", "pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
            "pg_drop_replication_slot", "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
            "pg_replication_slot_advance", "pg_logical_slot_get_changes", "pg_logical_slot_peek_changes",
            "pg_logical_emit_message", "pg_import_system_collations", "pg_stat_reset", "pg_stat_reset_shared");

    private DangerousFunctions() {
    }

    /** Whether {@code function} (any case; a schema prefix is ignored) is in the catalog or one of its families. */
    public static boolean isDangerous(String function) {
        String name = function.substring(function.lastIndexOf('.') + 1).strip().toLowerCase(Locale.ROOT);
        return NAMES.contains(name) || PREFIXES.stream().anyMatch(name::startsWith);
    }

    /** The named members of the catalog (the prefix families in the class comment also match). */
    public static Set<String> all() {
        return NAMES;
    }
}
