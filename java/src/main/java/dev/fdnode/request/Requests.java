package dev.fdnode.request;

import dev.fdnode.core.FdException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The one table of requests: {@code tag/arity} (arguments after the tag) to the decoder of its
 * {@link Request}. A bare atom {@code Tag} is {@code {Tag}}. To add a request, write its record in
 * its domain file and add its line here (and the BEAM side and docs/protocol.md).
 */
final class Requests {
  @FunctionalInterface
  interface Decoder {
    Request decode(Args args) throws FdException;
  }

  private static final Map<String, Decoder[]> TABLE =
      table(
          // control
          op("ping", 0, ControlRequests.Ping::decode),
          op("set_mode", 2, ControlRequests.SetMode::decode),
          op("controlling_process", 2, ControlRequests.ControllingProcess::decode),
          op("hand_over", 2, ControlRequests.HandOver::decode),
          op("info", 1, ControlRequests.Info::decode),
          op("stats", 0, ControlRequests.Stats::decode),
          op("stats", 1, ControlRequests.Stats::decode),
          op("shutdown", 0, ControlRequests.Shutdown::decode),
          // descriptor I/O
          op("open", 2, DescriptorRequests.Open::decode),
          op("pipe", 0, DescriptorRequests.Pipe::decode),
          op("close", 1, DescriptorRequests.Close::decode),
          op("close_async", 1, DescriptorRequests.CloseAsync::decode),
          op("read", 2, DescriptorRequests.Read::decode),
          op("write", 2, DescriptorRequests.Write::decode),
          op("pread", 3, DescriptorRequests.Pread::decode),
          op("pwrite", 3, DescriptorRequests.Pwrite::decode),
          op("pread_many", 2, DescriptorRequests.PreadMany::decode),
          op("pwrite_many", 2, DescriptorRequests.PwriteMany::decode),
          op("position", 2, DescriptorRequests.Position::decode),
          op("sync", 1, DescriptorRequests.Sync::decode),
          // sockets
          op("tcp_connect", 3, SocketRequests.TcpConnect::decode),
          op("tcp_connect", 4, SocketRequests.TcpConnect::decodeWithOptions),
          op("tcp_listen", 2, SocketRequests.TcpListen::decode),
          op("accept", 2, SocketRequests.Accept::decode),
          op("send", 2, SocketRequests.Send::decode),
          op("recv", 3, SocketRequests.Recv::decode),
          op("udp_open", 2, SocketRequests.UdpOpen::decode),
          op("send_to", 4, SocketRequests.SendTo::decode),
          op("recv_from", 2, SocketRequests.RecvFrom::decode),
          op("setopts", 2, SocketRequests.SetOpts::decode),
          op("getopts", 2, SocketRequests.GetOpts::decode),
          op("peername", 1, SocketRequests.Peername::decode),
          op("sockname", 1, SocketRequests.Sockname::decode),
          // paths and directories
          op("file_info", 1, PathRequests.FileInfo::decode),
          op("list_dir", 1, PathRequests.ListDir::decode),
          op("make_dir", 1, PathRequests.MakeDir::decode),
          op("delete_file", 1, PathRequests.DeleteFile::decode),
          op("delete_dir", 1, PathRequests.DeleteDir::decode),
          op("rename", 2, PathRequests.Rename::decode),
          // copy
          op("copy", 3, CopyRequests.Copy::decode));

  private Requests() {}

  private record Op(String tag, int arity, Decoder decoder) {}

  private static Op op(String tag, int arity, Decoder decoder) {
    return new Op(tag, arity, decoder);
  }

  /** Tag to decoders indexed by arity: a lookup builds no key. */
  private static Map<String, Decoder[]> table(Op... ops) {
    Map<String, Decoder[]> byTag = new HashMap<>();
    for (Op op : ops) {
      Decoder[] byArity = byTag.getOrDefault(op.tag(), new Decoder[0]);
      if (byArity.length <= op.arity()) {
        byArity = Arrays.copyOf(byArity, op.arity() + 1);
        byTag.put(op.tag(), byArity);
      }
      if (byArity[op.arity()] != null) {
        throw new IllegalStateException("two requests " + op.tag() + "/" + op.arity());
      }
      byArity[op.arity()] = op.decoder();
    }
    return Map.copyOf(byTag);
  }

  /**
   * The decoder for {@code tag} with {@code arity} arguments; {@code badarg} when there is none.
   */
  static Decoder decoder(String tag, int arity) throws FdException {
    Decoder[] byArity = TABLE.get(tag);
    if (byArity == null || arity >= byArity.length || byArity[arity] == null) {
      throw Args.badarg("unknown request " + tag + "/" + arity);
    }
    return byArity[arity];
  }
}
