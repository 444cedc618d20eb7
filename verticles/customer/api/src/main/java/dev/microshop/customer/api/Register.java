package dev.microshop.customer.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/** A new customer: {@code {name, email, password}}. Anything else in the body (a credit limit, a role) is a 400. */
public record Register(String name, String email, String password) {

  public static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]{2,}");

  public static Register fromJson(JsonObject body) {
    Input in = Input.of(body).only("name", "email", "password");
    String email = in.string("email", 3, 254);
    if (!EMAIL.matcher(email).matches()) {
      throw dev.microshop.common.failure.ServiceException.badRequest("email must be an email address");
    }
    return new Register(in.string("name", 1, 100), email, password(body));
  }

  /** Passwords are taken as typed (no trimming): 8 to 200 characters. */
  static String password(JsonObject body) {
    Object p = body.getValue("password");
    if (!(p instanceof String s) || s.length() < 8 || s.length() > 200) {
      throw dev.microshop.common.failure.ServiceException.badRequest("password must be 8 to 200 characters");
    }
    return s;
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("email", email).put("password", password);
  }

  @Override
  public String toString() {
    return "Register[name=" + name + ", email=" + email + ", password=***]";
  }
}
