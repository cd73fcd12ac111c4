package dev.fdnode.core;

/** Performs the one OS close of a descriptor number. */
@FunctionalInterface
public interface FdCloser {
  void close(int fd) throws FdException;
}
