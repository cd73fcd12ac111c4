package dev.fdnode.core;

public enum FileType {
  REGULAR,
  DIRECTORY,
  FIFO,
  SOCKET,
  CHAR_DEVICE,
  BLOCK_DEVICE,
  SYMLINK,
  OTHER;

  /** Whether pread/pwrite work and a file offset is meaningful. */
  public boolean seekable() {
    return this == REGULAR || this == BLOCK_DEVICE;
  }
}
