package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import java.io.IOException;

/** One message on its way out, encoded once when it is sent, whatever connection carries it. */
sealed interface Frame {
  /** First size of a message's buffer; a long binary is spliced in, not copied. */
  int PAYLOAD_SIZE = 256;

  static FramePayload encode(OtpErlangObject msg) {
    FramePayload out = new FramePayload(PAYLOAD_SIZE);
    out.write_any(msg);
    return out;
  }

  void writeTo(PeerConnection c, OtpErlangPid from) throws IOException;

  /**
   * This frame with its own copy of every borrowed array: for one kept until a connection is up.
   */
  Frame detached();

  record ToPid(OtpErlangPid to, FramePayload payload) implements Frame {
    @Override
    public void writeTo(PeerConnection c, OtpErlangPid from) throws IOException {
      c.send(to, payload);
    }

    @Override
    public Frame detached() {
      return new ToPid(to, payload.detach());
    }
  }

  record ToName(String name, FramePayload payload) implements Frame {
    @Override
    public void writeTo(PeerConnection c, OtpErlangPid from) throws IOException {
      c.send(from, name, payload);
    }

    @Override
    public Frame detached() {
      return new ToName(name, payload.detach());
    }
  }

  record ToAlias(OtpErlangRef alias, FramePayload payload) implements Frame {
    @Override
    public void writeTo(PeerConnection c, OtpErlangPid from) throws IOException {
      c.sendToAlias(from, alias, payload);
    }

    @Override
    public Frame detached() {
      return new ToAlias(alias, payload.detach());
    }
  }
}
