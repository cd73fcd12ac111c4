package dev.fdnode.core;

/**
 * Open flags as the protocol names them. With neither read nor write, read is assumed; append
 * implies write. {@code mode} is the permission bits used with create (the protocol default is
 * 0644).
 */
public record OpenOptions(
    boolean read,
    boolean write,
    boolean append,
    boolean create,
    boolean exclusive,
    boolean truncate,
    boolean nonblock,
    int mode) {

  public static final int DEFAULT_MODE = 0644;

  public static OpenOptions readOnly() {
    return new OpenOptions(true, false, false, false, false, false, false, DEFAULT_MODE);
  }

  /** write + create + truncate, like Erlang's file:open(P, [write]). */
  public static OpenOptions writeNew() {
    return new OpenOptions(false, true, false, true, false, true, false, DEFAULT_MODE);
  }

  public static OpenOptions readWrite() {
    return new OpenOptions(true, true, false, true, false, false, false, DEFAULT_MODE);
  }

  public OpenOptions withAppend() {
    return new OpenOptions(read, write, true, create, exclusive, truncate, nonblock, mode);
  }

  public OpenOptions withCreate() {
    return new OpenOptions(read, write, append, true, exclusive, truncate, nonblock, mode);
  }

  public OpenOptions withExclusive() {
    return new OpenOptions(read, write, append, create, true, truncate, nonblock, mode);
  }

  public OpenOptions withNonblock() {
    return new OpenOptions(read, write, append, create, exclusive, truncate, true, mode);
  }

  public OpenOptions withMode(int m) {
    return new OpenOptions(read, write, append, create, exclusive, truncate, nonblock, m);
  }

  public boolean wantsWrite() {
    return write || append;
  }

  public boolean wantsRead() {
    return read || !wantsWrite();
  }
}
