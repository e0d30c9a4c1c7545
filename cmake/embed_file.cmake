# cmake -DIN=<binary> -DOUT=<file.inc> -P embed_file.cmake
# Writes the bytes of IN as a comma-separated C initializer list, for
# `static const unsigned char x[] = {
#include "file.inc"
# };` (C++20 has no #embed).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "${bytes}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
