package dev.sluice.postgres.sql;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The PostgreSQL client encodings a Sluice session may use, and the Java charset that reads statement text exactly as
 * the server does.
 * <p>
 * Accepted: the ASCII-safe encodings PostgreSQL also allows as a server encoding (every byte below 0x80 is that ASCII
 * character and never part of a multibyte character), for which Java has an exact decoder. Refused, fail closed:
 * <ul>
 *   <li>the client-only encodings SJIS, SHIFT_JIS_2004, BIG5, GBK, UHC, GB18030 and JOHAB, whose trailing bytes can be
 *       {@code \} or other ASCII bytes: a character can swallow the backslash or quote that ends a literal for any
 *       reader that decodes otherwise (PostgreSQL forbids them as server encodings for that reason);</li>
 *   <li>LATIN6, LATIN8, EUC_JIS_2004 and MULE_INTERNAL: ASCII-safe, but Java has no exact decoder for them, so Sluice
 *       could not read names in them as the server does;</li>
 *   <li>any name PostgreSQL would not recognise.</li>
 * </ul>
 * Names are matched as PostgreSQL does ({@code clean_encoding_name}): case-insensitive, non-alphanumerics ignored, so
 * {@code utf-8}, {@code UTF_8} and {@code unicode} are all UTF8. {@code SQL_ASCII} passes bytes through: the server
 * reads them in its own encoding, and so does Sluice.
 */
public final class ClientEncodings {

    /** The encodings refused because a trailing byte can be an ASCII byte. */
    static final Set<String> CLIENT_ONLY = Set.of("SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030",
            "JOHAB");

    /** Every PostgreSQL encoding name and alias (cleaned) to its canonical name (src/common/encnames.c). */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("abc", "WIN1258"), Map.entry("alt", "WIN866"), Map.entry("big5", "BIG5"),
            Map.entry("euccn", "EUC_CN"), Map.entry("eucjis2004", "EUC_JIS_2004"), Map.entry("eucjp", "EUC_JP"),
            Map.entry("euckr", "EUC_KR"), Map.entry("euctw", "EUC_TW"), Map.entry("gb18030", "GB18030"),
            Map.entry("gbk", "GBK"), Map.entry("iso88591", "LATIN1"), Map.entry("iso885910", "LATIN6"),
            Map.entry("iso885913", "LATIN7"), Map.entry("iso885914", "LATIN8"), Map.entry("iso885915", "LATIN9"),
            Map.entry("iso885916", "LATIN10"), Map.entry("iso88592", "LATIN2"), Map.entry("iso88593", "LATIN3"),
            Map.entry("iso88594", "LATIN4"), Map.entry("iso88595", "ISO_8859_5"), Map.entry("iso88596", "ISO_8859_6"),
            Map.entry("iso88597", "ISO_8859_7"), Map.entry("iso88598", "ISO_8859_8"), Map.entry("iso88599", "LATIN5"),
            Map.entry("johab", "JOHAB"), Map.entry("koi8", "KOI8R"), Map.entry("koi8r", "KOI8R"),
            Map.entry("koi8u", "KOI8U"), Map.entry("latin1", "LATIN1"), Map.entry("latin2", "LATIN2"),
            Map.entry("latin3", "LATIN3"), Map.entry("latin4", "LATIN4"), Map.entry("latin5", "LATIN5"),
            Map.entry("latin6", "LATIN6"), Map.entry("latin7", "LATIN7"), Map.entry("latin8", "LATIN8"),
            Map.entry("latin9", "LATIN9"), Map.entry("latin10", "LATIN10"), Map.entry("mskanji", "SJIS"),
            Map.entry("muleinternal", "MULE_INTERNAL"), Map.entry("shiftjis", "SJIS"),
            Map.entry("shiftjis2004", "SHIFT_JIS_2004"), Map.entry("sjis", "SJIS"), Map.entry("sqlascii", "SQL_ASCII"),
            Map.entry("tcvn", "WIN1258"), Map.entry("tcvn5712", "WIN1258"), Map.entry("uhc", "UHC"),
            Map.entry("unicode", "UTF8"), Map.entry("utf8", "UTF8"), Map.entry("vscii", "WIN1258"),
            Map.entry("win", "WIN1251"), Map.entry("win1250", "WIN1250"), Map.entry("win1251", "WIN1251"),
            Map.entry("win1252", "WIN1252"), Map.entry("win1253", "WIN1253"), Map.entry("win1254", "WIN1254"),
            Map.entry("win1255", "WIN1255"), Map.entry("win1256", "WIN1256"), Map.entry("win1257", "WIN1257"),
            Map.entry("win1258", "WIN1258"), Map.entry("win866", "WIN866"), Map.entry("win874", "WIN874"),
            Map.entry("win932", "SJIS"), Map.entry("win936", "GBK"), Map.entry("win949", "UHC"),
            Map.entry("win950", "BIG5"), Map.entry("windows1250", "WIN1250"), Map.entry("windows1251", "WIN1251"),
            Map.entry("windows1252", "WIN1252"), Map.entry("windows1253", "WIN1253"),
            Map.entry("windows1254", "WIN1254"), Map.entry("windows1255", "WIN1255"),
            Map.entry("windows1256", "WIN1256"), Map.entry("windows1257", "WIN1257"),
            Map.entry("windows1258", "WIN1258"), Map.entry("windows866", "WIN866"), Map.entry("windows874", "WIN874"),
            Map.entry("windows932", "SJIS"), Map.entry("windows936", "GBK"), Map.entry("windows949", "UHC"),
            Map.entry("windows950", "BIG5"));

    /** Canonical name of each accepted encoding to its Java charset name. */
    private static final Map<String, String> CHARSETS = Map.ofEntries(
            Map.entry("UTF8", "UTF-8"), Map.entry("LATIN1", "ISO-8859-1"), Map.entry("LATIN2", "ISO-8859-2"),
            Map.entry("LATIN3", "ISO-8859-3"), Map.entry("LATIN4", "ISO-8859-4"), Map.entry("LATIN5", "ISO-8859-9"),
            Map.entry("LATIN7", "ISO-8859-13"), Map.entry("LATIN9", "ISO-8859-15"),
            Map.entry("LATIN10", "ISO-8859-16"), Map.entry("ISO_8859_5", "ISO-8859-5"),
            Map.entry("ISO_8859_6", "ISO-8859-6"), Map.entry("ISO_8859_7", "ISO-8859-7"),
            Map.entry("ISO_8859_8", "ISO-8859-8"), Map.entry("WIN1250", "windows-1250"),
            Map.entry("WIN1251", "windows-1251"), Map.entry("WIN1252", "windows-1252"),
            Map.entry("WIN1253", "windows-1253"), Map.entry("WIN1254", "windows-1254"),
            Map.entry("WIN1255", "windows-1255"), Map.entry("WIN1256", "windows-1256"),
            Map.entry("WIN1257", "windows-1257"), Map.entry("WIN1258", "windows-1258"), Map.entry("WIN866", "IBM866"),
            Map.entry("WIN874", "x-windows-874"), Map.entry("KOI8R", "KOI8-R"), Map.entry("KOI8U", "KOI8-U"),
            Map.entry("EUC_JP", "EUC-JP"), Map.entry("EUC_CN", "GB2312"), Map.entry("EUC_KR", "EUC-KR"),
            Map.entry("EUC_TW", "x-EUC-TW"));

    private ClientEncodings() {
    }

    /** The canonical PostgreSQL name of {@code name}, any spelling or alias; empty for a name PostgreSQL rejects. */
    static Optional<String> canonical(String name) {
        StringBuilder cleaned = new StringBuilder(name.length());
        name.chars().filter(Character::isLetterOrDigit).filter(c -> c < 0x80)
                .forEach(c -> cleaned.append((char) Character.toLowerCase(c)));
        return Optional.ofNullable(NAMES.get(cleaned.toString()));
    }

    /** Whether a session may use {@code name} as its client encoding. */
    public static boolean accepted(String name) {
        return canonical(name).filter(c -> c.equals("SQL_ASCII") || CHARSETS.containsKey(c)).isPresent();
    }

    /** Why {@code name} is refused as a client encoding; empty when it is {@link #accepted}. */
    static Optional<String> refusal(String name) {
        Optional<String> canonical = canonical(name);
        if (canonical.isEmpty()) {
            return Optional.of("client_encoding \"" + name + "\" is not an encoding Sluice accepts; use UTF8");
        }
        if (CLIENT_ONLY.contains(canonical.get())) {
            return Optional.of("client_encoding " + canonical.get() + " is not allowed: its multibyte characters "
                    + "can hide a backslash or quote from Sluice's reading of a statement; use UTF8");
        }
        if (!accepted(name)) {
            return Optional.of("client_encoding " + canonical.get() + " is not allowed: Sluice cannot read it "
                    + "exactly; use UTF8");
        }
        return Optional.empty();
    }

    /**
     * The charset to read statement text in for a session whose client encoding is {@code clientEncoding} on a
     * server whose encoding is {@code serverEncoding} (SQL_ASCII passes bytes through: read them as the server
     * does, as UTF-8 when the server is SQL_ASCII too). Empty when the encoding is not {@link #accepted}.
     */
    public static Optional<Charset> charset(String clientEncoding, String serverEncoding) {
        Optional<String> canonical = canonical(clientEncoding);
        if (canonical.isPresent() && canonical.get().equals("SQL_ASCII")) {
            Optional<String> server = canonical(serverEncoding).filter(CHARSETS::containsKey);
            return Optional.of(server.map(s -> Charset.forName(CHARSETS.get(s))).orElse(StandardCharsets.UTF_8));
        }
        return canonical.map(CHARSETS::get).map(Charset::forName);
    }

    /** {@code name} as its canonical PostgreSQL name, or upper-cased when unknown (for messages). */
    static String display(String name) {
        return canonical(name).orElse(name.toUpperCase(Locale.ROOT));
    }
}
