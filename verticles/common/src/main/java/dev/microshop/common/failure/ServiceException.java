package dev.microshop.common.failure;

/** A failure that carries its {@link FailureCode} and a message safe to show to a client. */
public class ServiceException extends RuntimeException {

  private final FailureCode code;

  public ServiceException(FailureCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public FailureCode code() {
    return code;
  }

  public static ServiceException badRequest(String message) {
    return new ServiceException(FailureCode.BAD_REQUEST, message);
  }

  public static ServiceException notFound(String message) {
    return new ServiceException(FailureCode.NOT_FOUND, message);
  }

  public static ServiceException conflict(String message) {
    return new ServiceException(FailureCode.CONFLICT, message);
  }

  public static ServiceException unauthorized(String message) {
    return new ServiceException(FailureCode.UNAUTHORIZED, message);
  }

  public static ServiceException forbidden(String message) {
    return new ServiceException(FailureCode.FORBIDDEN, message);
  }

  public static ServiceException rejected(String message) {
    return new ServiceException(FailureCode.REJECTED, message);
  }

  public static ServiceException tooLarge(String message) {
    return new ServiceException(FailureCode.TOO_LARGE, message);
  }

  public static ServiceException unsupportedMediaType(String message) {
    return new ServiceException(FailureCode.UNSUPPORTED_MEDIA_TYPE, message);
  }
}
