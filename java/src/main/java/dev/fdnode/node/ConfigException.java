package dev.fdnode.node;

/** A command line or environment that cannot be turned into a {@link Config}. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
