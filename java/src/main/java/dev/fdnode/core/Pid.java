package dev.fdnode.core;

import java.util.Objects;

/** An Erlang pid as a plain value, so the core never sees JInterface types. */
public record Pid(String node, int id, int serial, int creation) {
  public Pid {
    Objects.requireNonNull(node, "node");
  }
}
