# fb_check_flags.m4: compiler and linker flags, each checked before it is used.

# FB_CHECK_FLAGS(VARIABLE, FLAGS, [ACTION-IF-REFUSED], [PROGRAM])
# ----------------------------------------------------------------
# Appends to VARIABLE each of FLAGS that $CC accepts when it compiles and links PROGRAM (an
# empty main by default) with it: a link, because a sanitizer or a -Wl option fails only there.
# A refused flag is left out ("no" in configure's output), or runs ACTION-IF-REFUSED. gcc
# refuses an unknown option by itself; clang only warns about an unknown warning option, unless
# given -Werror=unknown-warning-option, which clang accepts and gcc does not.
AC_DEFUN([FB_CHECK_FLAGS], [
AC_REQUIRE([_FB_UNKNOWN_WARNING_FLAG])
for fb_flag in m4_normalize([$2]); do
  AC_MSG_CHECKING([whether $CC accepts $fb_flag])
  fb_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS $fb_unknown_warning $fb_flag"
  AC_LINK_IFELSE([m4_default([$4], [AC_LANG_PROGRAM([], [])])],
    [AC_MSG_RESULT([yes]); AS_VAR_APPEND([$1], [" $fb_flag"])],
    [AC_MSG_RESULT([no]); $3])
  CFLAGS=$fb_save_CFLAGS
done
])

AC_DEFUN([_FB_UNKNOWN_WARNING_FLAG], [
AC_MSG_CHECKING([how $CC reports an unknown warning option])
fb_save_CFLAGS=$CFLAGS
CFLAGS="$CFLAGS -Werror=unknown-warning-option"
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
  [fb_unknown_warning=-Werror=unknown-warning-option],
  [fb_unknown_warning=])
CFLAGS=$fb_save_CFLAGS
AC_MSG_RESULT([${fb_unknown_warning:-as an error}])
])

# FB_FUZZ_TARGET: a program for FB_CHECK_FLAGS with libFuzzer's entry point instead of main.
AC_DEFUN([FB_FUZZ_TARGET], [AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return data == NULL && size > 0; }
]])])
