# tillid_embed_file(<target> <input> <symbol>): compiles the file's text into the target as
# `extern const char* const <symbol>`, so binaries carry their defaults and need no files
# at run time. The file is re-embedded whenever it changes.
function(tillid_embed_file target input symbol)
  set(out ${PROJECT_BINARY_DIR}/generated/embedded_${symbol}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    COMMENT "Embedding ${input}")
  target_sources(${target} PRIVATE ${out})
endfunction()
