# Cross-compiles for Windows x64 with Debian's mingw-w64 (posix thread model, for std::thread).
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DTILLID_WINDOWS_DEPS=/var/cache/tillid/mingw-<hash>
# TILLID_WINDOWS_DEPS is the prefix scripts/build-windows-deps prints (the variable may also come
# from the environment). Libraries and headers are searched there only, never on the build host.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(TILLID_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${TILLID_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${TILLID_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${TILLID_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${TILLID_MINGW_TRIPLE}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${TILLID_MINGW_TRIPLE}-gcc-ranlib-posix CACHE FILEPATH "")

if(NOT TILLID_WINDOWS_DEPS AND DEFINED ENV{TILLID_WINDOWS_DEPS})
  set(TILLID_WINDOWS_DEPS "$ENV{TILLID_WINDOWS_DEPS}")
endif()
if(NOT TILLID_WINDOWS_DEPS)
  message(FATAL_ERROR "Set TILLID_WINDOWS_DEPS to the prefix printed by scripts/build-windows-deps")
endif()
set(TILLID_WINDOWS_DEPS "${TILLID_WINDOWS_DEPS}" CACHE PATH "Windows dependency prefix")
# try_compile projects run this file again without the cache: pass the prefix on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TILLID_WINDOWS_DEPS)

set(CMAKE_FIND_ROOT_PATH "${TILLID_WINDOWS_DEPS}" /usr/${TILLID_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PREFIX_PATH "${TILLID_WINDOWS_DEPS}")
# The prefix's headers are always searched, after a target's own (this includes the forwarding
# headers for Windows headers Poco spells with capitals).
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${TILLID_WINDOWS_DEPS}/include")
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "${TILLID_WINDOWS_DEPS}/include")

# pkg-config reads the prefix's .pc files only, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} "${TILLID_WINDOWS_DEPS}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Static: the executable needs no DLLs but Windows' own. Static archives are found first.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a .lib)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
# Static archives do not carry their Windows import libraries (curl's Schannel, OpenSSL's CAPI,
# Poco's and libpcap's sockets): every link ends with them, after all of a target's libraries,
# and with the prefix's zlib, which Poco's Foundation uses in place of its bundled copy.
set(TILLID_MINGW_SYSTEM_LIBRARIES "${TILLID_WINDOWS_DEPS}/lib/libz.a -lws2_32 -liphlpapi -lcrypt32 -lbcrypt -lsecur32 -lncrypt \
-lkernel32 -luser32 -lgdi32 -lwinspool -lshell32 -lole32 -loleaut32 -luuid -lcomdlg32 -ladvapi32")
set(CMAKE_C_STANDARD_LIBRARIES "${TILLID_MINGW_SYSTEM_LIBRARIES}" CACHE STRING "")
set(CMAKE_CXX_STANDARD_LIBRARIES "${TILLID_MINGW_SYSTEM_LIBRARIES}" CACHE STRING "")
# The dependencies' headers declare static linkage (no __declspec(dllimport)); Windows 10 is the
# oldest target.
set(TILLID_MINGW_DEFINES "-DCURL_STATICLIB -DPSL_STATIC -DPOCO_STATIC -D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")
set(CMAKE_C_FLAGS_INIT "${TILLID_MINGW_DEFINES}")
set(CMAKE_CXX_FLAGS_INIT "${TILLID_MINGW_DEFINES}")

# Runs cross-built programs for ctest; Debian's wine64 package keeps its loader off PATH.
find_program(TILLID_WINE64 wine64 HINTS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(TILLID_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${TILLID_WINE64}")
endif()
