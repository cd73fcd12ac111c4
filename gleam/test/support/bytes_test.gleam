//// Tests for support/bytes (test code only). EUnit runs every public `*_test`
//// function; a test fails by raising (a failed `let assert` or `expect`).

import support/bytes

// Raises `#("expected", expected, "got", actual)` unless the two are equal,
// so EUnit's report shows both values.
fn expect(actual: a, expected: a) -> Nil {
  case actual == expected {
    True -> Nil
    False -> raise(#("expected", expected, "got", actual))
  }
}

@external(erlang, "erlang", "error")
fn raise(reason: a) -> b

pub fn byte_size_test() {
  expect(bytes.byte_size(<<>>), 0)
  expect(bytes.byte_size(<<1, 2, 3>>), 3)
  expect(bytes.byte_size(<<"héllo":utf8>>), 6)
  // A partial trailing byte still counts as a byte.
  expect(bytes.byte_size(<<1:size(9)>>), 2)
}

pub fn append_test() {
  expect(bytes.append(<<1, 2>>, <<3>>), <<1, 2, 3>>)
  expect(bytes.append(<<>>, <<>>), <<>>)
  expect(bytes.append(<<"ab":utf8>>, <<"cd":utf8>>), <<"abcd":utf8>>)
}

pub fn concat_test() {
  expect(bytes.concat([]), <<>>)
  expect(bytes.concat([<<1>>, <<>>, <<2, 3>>, <<4>>]), <<1, 2, 3, 4>>)
}

pub fn total_size_test() {
  expect(bytes.total_size([]), 0)
  expect(bytes.total_size([<<1>>, <<>>, <<2, 3>>, bytes.repeat_byte(0, 1000)]), 1003)
}

pub fn crc32_known_values_test() {
  expect(bytes.crc32(<<>>), 0)
  // The standard CRC-32 check value and the zlib CRC of "hello".
  expect(bytes.crc32(<<"123456789":utf8>>), 0xCBF43926)
  expect(bytes.crc32(<<"hello":utf8>>), 0x3610A686)
}

pub fn crc32_streaming_matches_whole_test() {
  let chunks = [<<"The quick ":utf8>>, <<>>, <<"brown fox":utf8>>, bytes.repeat_byte(255, 4097)]
  let whole = bytes.crc32(bytes.concat(chunks))
  expect(bytes.crc32_chunks(chunks), whole)
  let assert [first, ..rest] = chunks
  expect(bytes.crc32_chunks(rest) == whole, False)
  expect(bytes.crc32_update(bytes.crc32(first), bytes.concat(rest)), whole)
}

pub fn crc32_detects_change_test() {
  let data = bytes.repeat_byte(7, 100)
  let assert Ok(#(head, rest)) = bytes.split_at(data, 50)
  let changed = bytes.concat([head, <<8>>, rest])
  expect(bytes.crc32(changed) == bytes.crc32(data), False)
}

pub fn repeat_byte_test() {
  expect(bytes.repeat_byte(65, 3), <<"AAA":utf8>>)
  expect(bytes.repeat_byte(1, 0), <<>>)
  expect(bytes.repeat_byte(1, -5), <<>>)
  expect(bytes.repeat_byte(256 + 2, 2), <<2, 2>>)
  expect(bytes.byte_size(bytes.repeat_byte(0, 65_536)), 65_536)
}

pub fn split_at_test() {
  expect(bytes.split_at(<<1, 2, 3>>, 0), Ok(#(<<>>, <<1, 2, 3>>)))
  expect(bytes.split_at(<<1, 2, 3>>, 2), Ok(#(<<1, 2>>, <<3>>)))
  expect(bytes.split_at(<<1, 2, 3>>, 3), Ok(#(<<1, 2, 3>>, <<>>)))
  expect(bytes.split_at(<<1, 2, 3>>, 4), Error(Nil))
  expect(bytes.split_at(<<1, 2, 3>>, -1), Error(Nil))
}
