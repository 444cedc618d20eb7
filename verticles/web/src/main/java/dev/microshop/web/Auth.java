package dev.microshop.web;

import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * JWTs (vertx-auth-jwt, HS256): issued at log-in with {@code sub} (the customer id), {@code role},
 * {@code exp}, {@code iss} and {@code aud}; checked on every protected route. A token without
 * {@code exp}, with another issuer or audience, a bad signature, {@code alg: none} or past its
 * expiry is a 401. The signing key comes from {@code auth.jwt-secret}; when that is empty a
 * development key is generated once and kept in {@code auth.dev-secret-file}.
 */
final class Auth {

  private static final Logger LOG = LoggerFactory.getLogger(Auth.class);
  static final String ADMIN = "admin";
  /** Where an authenticated request keeps its token's claims. */
  private static final String PRINCIPAL = "microshop.principal";

  private final JWTAuth jwt;
  private final JWTOptions options;

  record Settings(String secret, String devSecretFile, String issuer, String audience, int ttlSeconds,
                  boolean production) {
    static Settings from(JsonObject conf) {
      JsonObject a = conf.getJsonObject("auth", new JsonObject());
      return new Settings(a.getString("jwt-secret", ""), a.getString("dev-secret-file", "data/jwt-dev-secret"),
          a.getString("issuer", "microshop"), a.getString("audience", "microshop-web"),
          a.getInteger("token-ttl-seconds", 3600), a.getBoolean("production", false));
    }
  }

  /** The shortest signing key accepted (HS256 wants at least 256 bits). */
  static final int MIN_SECRET_LENGTH = 32;

  /**
   * Blocking (may read or write the development key file): call from a worker. In production
   * mode a configured key of at least 32 characters is required: start-up fails without one.
   */
  static Auth create(Vertx vertx, Settings s) {
    if (s.production() && s.secret().length() < MIN_SECRET_LENGTH) {
      throw new IllegalStateException("production mode: auth.jwt-secret (MICROSHOP_WEB_AUTH_JWT_SECRET) must be set,"
          + " at least " + MIN_SECRET_LENGTH + " characters");
    }
    String secret = s.secret().isBlank() ? developmentSecret(Path.of(s.devSecretFile())) : s.secret();
    JWTOptions options = new JWTOptions().setIssuer(s.issuer()).setAudience(List.of(s.audience()))
        .setExpiresInSeconds(s.ttlSeconds()).setAlgorithm("HS256");
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setIssuer(s.issuer()).setAudience(List.of(s.audience()))));
    return new Auth(jwt, options);
  }

  private Auth(JWTAuth jwt, JWTOptions options) {
    this.jwt = jwt;
    this.options = options;
  }

  /** A token for a customer who has just proved who they are. */
  String issue(String customerId, String role) {
    return jwt.generateToken(new JsonObject().put("sub", customerId).put("role", role), options);
  }

  int ttlSeconds() {
    return options.getExpiresInSeconds();
  }

  /**
   * Puts authentication in front of every protected route (before the contract's validation, so
   * a request without a valid token is a 401 whatever its body), and the admin check in front of
   * the admin routes.
   */
  void protect(io.vertx.ext.web.Router router) {
    for (String path : new String[] {"/api/me", "/api/orders", "/api/orders/*", "/api/admin/*"}) {
      router.route(path).order(-10).handler(this::authenticate);
    }
    router.route("/api/admin/*").order(-9).handler(Auth::requireAdmin);
  }

  /** Route handler: lets the request on only with a valid bearer token. */
  void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.fail(ServiceException.unauthorized("log in first: an Authorization: Bearer token is required"));
      return;
    }
    jwt.authenticate(new TokenCredentials(header.substring(7).trim()))
        .onSuccess(user -> {
          // the decoded claims, exp included (the principal leaves exp out)
          JsonObject p = user.attributes().getJsonObject("accessToken", new JsonObject());
          if (p.getValue("exp") == null || p.getString("sub") == null || p.getString("role") == null) {
            ctx.fail(ServiceException.unauthorized("invalid token"));
            return;
          }
          ctx.put(PRINCIPAL, p);
          ctx.next();
        })
        .onFailure(t -> ctx.fail(ServiceException.unauthorized("invalid or expired token")));
  }

  /** Route handler, after {@link #authenticate}: administrators only. */
  static void requireAdmin(RoutingContext ctx) {
    if (ADMIN.equals(role(ctx))) {
      ctx.next();
    } else {
      ctx.fail(ServiceException.forbidden("administrators only"));
    }
  }

  /** The authenticated customer's id (the token's subject). */
  static String customerId(RoutingContext ctx) {
    return principal(ctx).getString("sub");
  }

  static String role(RoutingContext ctx) {
    return principal(ctx).getString("role");
  }

  private static JsonObject principal(RoutingContext ctx) {
    JsonObject p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route not behind Auth::authenticate");
    }
    return p;
  }

  static String developmentSecret(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim();
      }
      byte[] key = new byte[48];
      new SecureRandom().nextBytes(key);
      String secret = Base64.getEncoder().encodeToString(key);
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "jwt", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(tmp, secret);
        // a hard link is created only where no file is: of two webs starting at once, the first key
        // stays and the other web reads it (a rename would replace it, and the webs would hold two keys)
        Files.createLink(file, tmp);
      } catch (java.nio.file.FileAlreadyExistsException another) {
        return Files.readString(file).trim();
      } finally {
        Files.deleteIfExists(tmp);
      }
      LOG.warn("no auth.jwt-secret configured: using a generated development key kept in {}", file);
      return secret;
    } catch (IOException e) {
      throw new IllegalStateException("cannot keep the development JWT key in " + file, e);
    }
  }
}
