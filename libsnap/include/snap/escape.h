// One way to show text a program chose (mapping names, thread names,
// command lines, file names) without letting it act on the terminal or a
// spreadsheet: every text emitter and every message goes through here.
#pragma once

#include <string>
#include <string_view>

namespace snap {

/// `text` with every byte that is not printable UTF-8 written as \xNN:
/// C0 controls, DEL, C1 controls (U+0080..U+009F, e.g. the one-character
/// CSI "\xc2\x9b"), the line and paragraph separators and the bidirectional
/// controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), and every
/// byte of invalid UTF-8. A backslash is written as \\ so that the form is
/// unambiguous: unescape() gives the original bytes back.
std::string printable(std::string_view text);
void append_printable(std::string& out, std::string_view text);

/// The inverse of printable(): \\ -> \, \xNN -> the byte NN; anything
/// else as it is.
std::string unescape(std::string_view text);

/// Whether `text` is valid UTF-8 (JSON strings must be).
bool valid_utf8(std::string_view text);

}  // namespace snap
