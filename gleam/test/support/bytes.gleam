//// Test helpers over `BitArray` values that need no standard library:
//// byte sizes, concatenation and a running CRC-32 used to checksum streams.

/// The number of whole bytes in `data` (a trailing partial byte counts as
/// one, as `erlang:byte_size/1` does).
@external(erlang, "erlang", "byte_size")
pub fn byte_size(data: BitArray) -> Int

/// `first` followed by `second`.
pub fn append(first: BitArray, second: BitArray) -> BitArray {
  <<first:bits, second:bits>>
}

/// All `chunks` joined in order into one value; `<<>>` for no chunks.
pub fn concat(chunks: List(BitArray)) -> BitArray {
  concat_loop(chunks, <<>>)
}

fn concat_loop(chunks: List(BitArray), acc: BitArray) -> BitArray {
  case chunks {
    [] -> acc
    [chunk, ..rest] -> concat_loop(rest, append(acc, chunk))
  }
}

/// The total number of bytes in all `chunks`.
pub fn total_size(chunks: List(BitArray)) -> Int {
  total_size_loop(chunks, 0)
}

fn total_size_loop(chunks: List(BitArray), acc: Int) -> Int {
  case chunks {
    [] -> acc
    [chunk, ..rest] -> total_size_loop(rest, acc + byte_size(chunk))
  }
}

/// The CRC-32 (as used by zlib and gzip) of `data`, from 0 to 2^32 - 1.
@external(erlang, "erlang", "crc32")
pub fn crc32(data: BitArray) -> Int

/// Continues the CRC-32 `previous` over `data`, so that checksumming a stream
/// chunk by chunk, starting from `crc32(<<>>)` (which is 0), gives the same
/// result as `crc32` over the whole stream at once.
@external(erlang, "erlang", "crc32")
pub fn crc32_update(previous: Int, data: BitArray) -> Int

/// The CRC-32 of all `chunks` taken in order as one stream.
pub fn crc32_chunks(chunks: List(BitArray)) -> Int {
  crc32_chunks_loop(chunks, 0)
}

fn crc32_chunks_loop(chunks: List(BitArray), crc: Int) -> Int {
  case chunks {
    [] -> crc
    [chunk, ..rest] -> crc32_chunks_loop(rest, crc32_update(crc, chunk))
  }
}

/// `count` copies of the byte `byte` (taken modulo 256); `<<>>` when `count`
/// is zero or negative. Handy for building test payloads of a known size.
pub fn repeat_byte(byte: Int, count: Int) -> BitArray {
  repeat_loop(<<byte:int>>, count, <<>>)
}

fn repeat_loop(unit: BitArray, count: Int, acc: BitArray) -> BitArray {
  case count > 0 {
    True -> repeat_loop(unit, count - 1, <<acc:bits, unit:bits>>)
    False -> acc
  }
}

/// Splits `data` after its first `at` bytes: `Ok(#(head, rest))`, or
/// `Error(Nil)` when `at` is negative or `data` is shorter than `at` bytes.
pub fn split_at(data: BitArray, at: Int) -> Result(#(BitArray, BitArray), Nil) {
  case at >= 0 {
    False -> Error(Nil)
    True ->
      case data {
        <<head:bytes-size(at), rest:bits>> -> Ok(#(head, rest))
        _ -> Error(Nil)
      }
  }
}
