package dev.microshop.app;

import ch.qos.logback.classic.Level;
import dev.microshop.common.StartRefused;
import dev.microshop.common.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Prints the port that the all-in-one's web will listen on, given the launcher's arguments: the
 * effective configuration (conf files, environment, {@code -conf}), read as the shop reads it.
 * scripts/run.sh checks and waits on that port. A {@code -conf} that the shop would refuse, or
 * that the launcher would ignore (no such file, no JSON object), is refused here: one line, exit 2.
 */
public final class WebPort {

  private WebPort() {
  }

  public static void main(String[] args) {
    // the shop logs its own warnings when it starts; this tool prints one number
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.OFF);
    try {
      JsonObject conf = AllInOneConfig.check(conf(args));
      Vertx vertx = Vertx.vertx();
      try {
        JsonObject web = ConfigLoader.load(vertx, "web", AllInOneConfig.of(conf, "web")).await();
        System.out.println(web.getJsonObject("http", new JsonObject()).getInteger("port", 8080));
      } finally {
        vertx.close().await();
      }
    } catch (StartRefused | IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  /** The {@code -conf} of the launcher's arguments (a file or a JSON string, as the launcher reads it), or empty. */
  static JsonObject conf(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i].toLowerCase(Locale.ROOT);
      if (arg.equals("-conf") || arg.equals("--conf")) {
        if (i + 1 == args.length) {
          throw new StartRefused("-conf: expected a JSON file or a JSON object after it");
        }
        return read(args[i + 1]);
      }
      if (arg.startsWith("-conf=") || arg.startsWith("--conf=")) {
        return read(args[i].substring(args[i].indexOf('=') + 1));
      }
    }
    return new JsonObject();
  }

  private static JsonObject read(String fileOrJson) {
    Path path = Path.of(fileOrJson);
    try {
      if (Files.isRegularFile(path)) {
        return new JsonObject(Files.readString(path));
      }
      if (fileOrJson.trim().startsWith("{")) {
        return new JsonObject(fileOrJson);
      }
      throw new StartRefused("-conf " + fileOrJson + ": no such file (and not a JSON object)");
    } catch (IOException | DecodeException e) {
      throw new StartRefused("-conf " + fileOrJson + ": not a JSON object: " + e.getMessage());
    }
  }
}
