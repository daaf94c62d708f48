/* test_error.c - error codes as names and messages (eddy/error.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "eddy/error.h"

TestSuite(error, .timeout = 10);

#define NAMED(e)                                                                                   \
    {                                                                                              \
        e, #e                                                                                      \
    }

Test(error, every_posix_and_socket_errno_has_its_name)
{
    /* What a system call may return, socket errors included: a failure prints these by name. */
    static const struct {
        int err;
        const char *name;
    } all[] = {
        NAMED(E2BIG),           NAMED(EACCES),          NAMED(EADDRINUSE),
        NAMED(EADDRNOTAVAIL),   NAMED(EAFNOSUPPORT),    NAMED(EAGAIN),
        NAMED(EALREADY),        NAMED(EBADF),           NAMED(EBADMSG),
        NAMED(EBUSY),           NAMED(ECANCELED),       NAMED(ECHILD),
        NAMED(ECONNABORTED),    NAMED(ECONNREFUSED),    NAMED(ECONNRESET),
        NAMED(EDEADLK),         NAMED(EDESTADDRREQ),    NAMED(EDOM),
        NAMED(EDQUOT),          NAMED(EEXIST),          NAMED(EFAULT),
        NAMED(EFBIG),           NAMED(EHOSTDOWN),       NAMED(EHOSTUNREACH),
        NAMED(EIDRM),           NAMED(EILSEQ),          NAMED(EINPROGRESS),
        NAMED(EINTR),           NAMED(EINVAL),          NAMED(EIO),
        NAMED(EISCONN),         NAMED(EISDIR),          NAMED(ELOOP),
        NAMED(EMFILE),          NAMED(EMLINK),          NAMED(EMSGSIZE),
        NAMED(ENAMETOOLONG),    NAMED(ENETDOWN),        NAMED(ENETRESET),
        NAMED(ENETUNREACH),     NAMED(ENFILE),          NAMED(ENOBUFS),
        NAMED(ENODEV),          NAMED(ENOENT),          NAMED(ENOEXEC),
        NAMED(ENOLCK),          NAMED(ENOMEM),          NAMED(ENOMSG),
        NAMED(ENOPROTOOPT),     NAMED(ENOSPC),          NAMED(ENOSYS),
        NAMED(ENOTCONN),        NAMED(ENOTDIR),         NAMED(ENOTEMPTY),
        NAMED(ENOTRECOVERABLE), NAMED(ENOTSOCK),        NAMED(ENOTTY),
        NAMED(ENXIO),           NAMED(EOPNOTSUPP),      NAMED(EOVERFLOW),
        NAMED(EOWNERDEAD),      NAMED(EPERM),           NAMED(EPFNOSUPPORT),
        NAMED(EPIPE),           NAMED(EPROTO),          NAMED(EPROTONOSUPPORT),
        NAMED(EPROTOTYPE),      NAMED(ERANGE),          NAMED(EROFS),
        NAMED(ESHUTDOWN),       NAMED(ESOCKTNOSUPPORT), NAMED(ESPIPE),
        NAMED(ESRCH),           NAMED(ESTALE),          NAMED(ETIMEDOUT),
        NAMED(ETOOMANYREFS),    NAMED(ETXTBSY),         NAMED(EXDEV),
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cr_expect_str_eq(eddy_err_name(-all[i].err), all[i].name, "-%s is named %s", all[i].name,
                         eddy_err_name(-all[i].err));
}

Test(error, message_of_an_unknown_errno_stays_valid_after_another_call)
{
    /* The message is documented static: a caller may hold it while asking about another code. */
    const char *first = eddy_strerror(-4000);
    char copy[64];
    snprintf(copy, sizeof copy, "%s", first);
    eddy_strerror(-4001);
    cr_assert_str_eq(first, copy);
}
