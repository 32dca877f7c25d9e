package dev.sluice.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The console's static files from the jar ({@code console/assets/}, the npm bundles under {@code vendor/}), by a
 * strict name pattern (no path traversal), with a content type, {@code nosniff} and a short cache.
 */
final class Assets {
    private static final Pattern NAME = Pattern.compile("(vendor/)?[a-z0-9][a-z0-9.-]{0,80}\\.(js|css|svg)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private Assets() {
    }

    static void register(RoutesConfig routes) {
        routes.get("/console/assets/{name}", ctx -> serve(ctx, ctx.pathParam("name")));
        routes.get("/console/assets/vendor/{name}", ctx -> serve(ctx, "vendor/" + ctx.pathParam("name")));
    }

    private static void serve(Context ctx, String name) throws IOException {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            ctx.status(404).result("not found");
            return;
        }
        try (InputStream in = Assets.class.getResourceAsStream("/console/assets/" + name)) {
            if (in == null) {
                ctx.status(404).result("not found");
                return;
            }
            ctx.contentType(TYPES.get(name.substring(name.lastIndexOf('.') + 1)))
                    .header("Cache-Control", "max-age=300").result(in.readAllBytes());
        }
    }
}
