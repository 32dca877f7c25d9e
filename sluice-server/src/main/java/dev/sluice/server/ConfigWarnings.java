package dev.sluice.server;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblem;
import dev.sluice.core.config.ConnectionConfig;
import dev.sluice.core.config.PostgresTarget;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.config.UpstreamTls;

/**
 * Settings that load but weaken a guarantee, said plainly by {@code sluice check} and logged at start: upstream TLS
 * that does not verify the server ({@code prefer}, {@code require}), upstream TLS turned off, channel binding turned
 * off. Each warning is located ({@code FILE:LINE: key.path: warning: ...}) like a configuration problem.
 */
final class ConfigWarnings {
    private ConfigWarnings() {
    }

    static List<ConfigProblem> of(SluiceConfig config) {
        List<ConfigProblem> result = new ArrayList<>();
        List<ConfigNode> nodes = config.raw().at("connections").items();
        for (int i = 0; i < config.connections().size(); i++) {
            ConnectionConfig connection = config.connections().get(i);
            if (!(connection.target() instanceof PostgresTarget target)) {
                continue;
            }
            ConfigNode tls = i < nodes.size() ? nodes.get(i).at("tls") : config.raw().at("connections");
            String name = "connection \"" + connection.name() + "\"";
            switch (target.tls().mode()) {
                case REQUIRE -> result.add(warn(tls.at("mode"), "tls.mode require is TLS WITHOUT certificate "
                        + "verification: " + name + " is encrypted, but whoever sits on the path to "
                        + connection.address() + " can pose as the server" + bindingNote(target)
                        + "; use verify-full with ca-file"));
                case PREFER -> result.add(warn(tls.at("mode"), "tls.mode prefer is TLS WITHOUT certificate "
                        + "verification, and none at all if the server declines it: " + name + " refuses to send "
                        + "its password in clear then, but only SCRAM protects it" + bindingNote(target)
                        + "; use verify-full with ca-file"));
                case DISABLE -> result.add(warn(tls.at("mode"), "tls.mode disable: " + name + " sends its "
                        + "password in clear if the server asks for it; use verify-full with ca-file"));
                case VERIFY_FULL -> {
                }
            }
            if (target.tls().mode() != UpstreamTls.Mode.DISABLE
                    && target.tls().channelBinding() == UpstreamTls.ChannelBinding.DISABLE) {
                result.add(warn(tls.at("channel-binding"), "channel-binding disable: SCRAM to " + name
                        + " is not bound to its TLS connection"));
            }
        }
        return result;
    }

    private static String bindingNote(PostgresTarget target) {
        return target.tls().channelBinding() == UpstreamTls.ChannelBinding.REQUIRE
                ? " (channel-binding require still stops a relaying middleman; one posing as the server gets a "
                        + "SCRAM proof it can attack offline)"
                : " and collect a password, an md5 hash or a SCRAM proof (channel-binding require narrows this)";
    }

    private static ConfigProblem warn(ConfigNode node, String message) {
        return new ConfigProblem(node.file(), node.line(), node.path(), "warning: " + message);
    }
}
