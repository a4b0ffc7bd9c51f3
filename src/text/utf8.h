// Strict UTF-8 validation, decoding and encoding shared by the normaliser and the tokeniser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace edgemt::text {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlongs,
// surrogates, code points above U+10FFFF, stray continuation bytes and truncated sequences all
// count), or std::string_view::npos when `s` is valid.
size_t find_invalid_utf8(std::string_view s);

// Throws edgemt::Error("text is not valid UTF-8 (byte offset N)") when `s` is not valid UTF-8.
void require_valid_utf8(std::string_view s);

// Decodes the code point starting at s[pos] and advances pos past it. `s` must be valid UTF-8.
char32_t next_code_point(std::string_view s, size_t& pos);

// Decodes a whole valid UTF-8 string.
std::u32string decode_utf8(std::string_view s);

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view cps);

}  // namespace edgemt::text
