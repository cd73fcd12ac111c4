package dev.fdnode.core;

import java.util.Objects;

/**
 * How a byte stream is cut into messages, as {@code inet:setopts/2}'s {@code {packet, P}} and
 * {@code {packet_size, N}}: an immutable value a {@link Framer} works by.
 *
 * @param type raw (no framing), a 1-, 2- or 4-byte big-endian length header, or lines
 * @param size {@code packet_size}: the largest packet body accepted (0: no limit but {@link
 *     #MAX_BODY}); for lines, the length at which a line without its {@code \n} yet is cut into a
 *     piece (0: {@link #DEFAULT_LINE})
 */
public record Packet(Type type, int size) {
  /** The largest body of a length-prefixed packet whatever the size says: 64 MiB. */
  public static final int MAX_BODY = 64 << 20;

  /** The piece length of lines when no size is set: 64 KiB. */
  public static final int DEFAULT_LINE = 64 << 10;

  public static final Packet RAW = new Packet(Type.RAW, 0);

  public enum Type {
    RAW(0, "raw"),
    ONE(1, "1"),
    TWO(2, "2"),
    FOUR(4, "4"),
    LINE(0, "line");

    /** Bytes of the length header; 0 for raw and line. */
    public final int header;

    /** As {@code inet:getopts} names it: {@code raw | 1 | 2 | 4 | line}. */
    public final String wire;

    Type(int header, String wire) {
      this.header = header;
      this.wire = wire;
    }

    /** The largest body the header can state: 255, 65,535, or (for 4) {@link #MAX_BODY}. */
    public long headerLimit() {
      return switch (this) {
        case ONE -> 0xFFL;
        case TWO -> 0xFFFFL;
        case FOUR -> 0xFFFF_FFFFL;
        default -> Long.MAX_VALUE;
      };
    }
  }

  public Packet {
    Objects.requireNonNull(type, "type");
    if (size < 0) throw new IllegalArgumentException("negative packet size " + size);
  }

  public boolean framed() {
    return type != Type.RAW;
  }

  public Packet withType(Type t) {
    return new Packet(t, size);
  }

  public Packet withSize(int s) {
    return new Packet(type, s);
  }

  /** The largest body accepted by a length header (size, else {@link #MAX_BODY}). */
  long maxBody() {
    return size == 0 ? MAX_BODY : Math.min(size, (long) MAX_BODY);
  }

  /** The piece length of lines. */
  int linePiece() {
    return size == 0 ? DEFAULT_LINE : size;
  }

  /**
   * The length header {@code gen_tcp:send} puts before {@code length} bytes; empty for raw and
   * line. A body the header cannot state is {@code emsgsize} (inet would wrap it silently).
   */
  public byte[] header(int length) throws FdException {
    int h = type.header;
    if (h == 0) return new byte[0];
    if (length > type.headerLimit()) {
      throw new FdException(
          Reason.EMSGSIZE, length + " bytes do not fit a " + h + "-byte packet header");
    }
    byte[] out = new byte[h];
    for (int i = 0; i < h; i++) {
      out[i] = (byte) (length >>> (8 * (h - 1 - i)));
    }
    return out;
  }

  /** {@code data} with its header, as one array (one write keeps the packet whole). */
  public byte[] frame(byte[] data) throws FdException {
    byte[] h = header(data.length);
    if (h.length == 0) return data;
    byte[] out = new byte[h.length + data.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(data, 0, out, h.length, data.length);
    return out;
  }
}
