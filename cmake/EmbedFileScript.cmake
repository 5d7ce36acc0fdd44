# Writes INPUT's bytes as a C++ char array named SYMBOL into OUTPUT (hex, so any byte works).
file(READ ${INPUT} hex HEX)
# Character literals ('\xc3'), not integers: bytes above 0x7f (UTF-8 text such as Danish
# letters) would be narrowing conversions in a char array.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," body "${hex}")
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT}; do not edit.\n"
  "namespace tillid::embedded {\n"
  "extern const char ${SYMBOL}[];\n"
  "const char ${SYMBOL}[] = {${body} 0x00};\n"
  "}  // namespace tillid::embedded\n")
