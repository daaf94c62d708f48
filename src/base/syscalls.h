/* syscalls.h - internal access to the syscall seam (see eddy/syscalls.h).
 * Library code calls eddy__sys.read(...) etc., never the libc functions directly. */
#ifndef EDDY_BASE_SYSCALLS_H
#define EDDY_BASE_SYSCALLS_H

#include "eddy/syscalls.h"

extern eddy_syscalls eddy__sys;

/* fcntl helpers (not in the seam: they cannot fail for reasons a test needs to inject). */
int eddy__set_nonblocking(int fd, int on);
int eddy__set_cloexec(int fd, int on);

#endif
