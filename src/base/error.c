/* error.c - names and messages for eddy's error codes. */
#include "eddy/error.h"

#include <string.h>

static const struct {
    int code;
    const char *name;
    const char *message;
} eddy_errors[] = {
    {EDDY_ECONNDONE, "EDDY_ECONNDONE", "connection was closed cleanly"},
    {EDDY_ECONNLOST, "EDDY_ECONNLOST", "connection to the other side was lost"},
    {EDDY_ECANCELLED, "EDDY_ECANCELLED", "operation was cancelled"},
    {EDDY_ETIMEOUT, "EDDY_ETIMEOUT", "operation timed out"},
    {EDDY_EDNSLOOKUP, "EDDY_EDNSLOOKUP", "DNS lookup failed"},
    {EDDY_ENOTRUNNING, "EDDY_ENOTRUNNING", "reactor is not running"},
    {EDDY_EALREADYRUNNING, "EDDY_EALREADYRUNNING", "reactor is already running"},
    {EDDY_ENOTRESTARTABLE, "EDDY_ENOTRESTARTABLE", "reactor cannot be restarted"},
    {EDDY_EBACKEND, "EDDY_EBACKEND", "unknown or unavailable reactor backend"},
    {EDDY_EFDLIMIT, "EDDY_EFDLIMIT", "descriptor number too large for this backend"},
    {EDDY_EINACTIVE, "EDDY_EINACTIVE", "delayed call was already called or cancelled"},
    {EDDY_EALREADYCALLED, "EDDY_EALREADYCALLED", "Deferred was already called"},
    {EDDY_EREENTRANT, "EDDY_EREENTRANT", "call not allowed from inside this callback"},
    {EDDY_ENOTFOUND, "EDDY_ENOTFOUND", "no such item"},
    {EDDY_EPROTOCOL, "EDDY_EPROTOCOL", "protocol error"},
    {EDDY_ETOOLONG, "EDDY_ETOOLONG", "input exceeds the configured limit"},
    {EDDY_EABORTED, "EDDY_EABORTED", "connection was aborted"},
    {EDDY_EUNHANDLED, "EDDY_EUNHANDLED", "unhandled error"},
    {EDDY_EFAILED, "EDDY_EFAILED", "operation failed"},
};

/* Names for every errno POSIX defines, plus the socket errors the BSDs and Linux add: a failure
 * prints its code by name, and whatever a system call returned must not print as "UNKNOWN".
 * Where two names share a value (EWOULDBLOCK and ENOTSUP on Linux) the first one listed wins.
 * Names POSIX marks optional or obsolescent are guarded. */
static const struct {
    int err;
    const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {ESRCH, "ESRCH"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},
    {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},
    {ECHILD, "ECHILD"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
#ifdef ENOTBLK
    {ENOTBLK, "ENOTBLK"},
#endif
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},
    {EDOM, "EDOM"},
    {ERANGE, "ERANGE"},
    {EDEADLK, "EDEADLK"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOLCK, "ENOLCK"},
    {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"},
    {ELOOP, "ELOOP"},
    {ENOMSG, "ENOMSG"},
    {EIDRM, "EIDRM"},
#ifdef ENOSTR
    {ENOSTR, "ENOSTR"},
#endif
#ifdef ENODATA
    {ENODATA, "ENODATA"},
#endif
#ifdef ETIME
    {ETIME, "ETIME"},
#endif
#ifdef ENOSR
    {ENOSR, "ENOSR"},
#endif
#ifdef ENOLINK
    {ENOLINK, "ENOLINK"},
#endif
    {EPROTO, "EPROTO"},
#ifdef EMULTIHOP
    {EMULTIHOP, "EMULTIHOP"},
#endif
    {EBADMSG, "EBADMSG"},
    {EOVERFLOW, "EOVERFLOW"},
    {EILSEQ, "EILSEQ"},
    {ENOTSOCK, "ENOTSOCK"},
    {EDESTADDRREQ, "EDESTADDRREQ"},
    {EMSGSIZE, "EMSGSIZE"},
    {EPROTOTYPE, "EPROTOTYPE"},
    {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
#ifdef ESOCKTNOSUPPORT
    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
#endif
    {EOPNOTSUPP, "EOPNOTSUPP"},
#ifdef EPFNOSUPPORT
    {EPFNOSUPPORT, "EPFNOSUPPORT"},
#endif
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"},
    {ENETRESET, "ENETRESET"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {ENOTCONN, "ENOTCONN"},
#ifdef ESHUTDOWN
    {ESHUTDOWN, "ESHUTDOWN"},
#endif
#ifdef ETOOMANYREFS
    {ETOOMANYREFS, "ETOOMANYREFS"},
#endif
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
#ifdef EHOSTDOWN
    {EHOSTDOWN, "EHOSTDOWN"},
#endif
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {ESTALE, "ESTALE"},
    {EDQUOT, "EDQUOT"},
    {ECANCELED, "ECANCELED"},
    {EOWNERDEAD, "EOWNERDEAD"},
    {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
    {EWOULDBLOCK, "EWOULDBLOCK"},
    {ENOTSUP, "ENOTSUP"},
};

const char *eddy_strerror(int code)
{
    if (code == 0)
        return "success";
    for (size_t i = 0; i < sizeof eddy_errors / sizeof eddy_errors[0]; i++)
        if (eddy_errors[i].code == code)
            return eddy_errors[i].message;
    if (code < 0 && code > EDDY_EFIRST) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
        /* glibc's strerror() gives an errno it does not know a thread-local buffer that its next
         * such call frees, and translates the others; this is static, English and NULL for
         * unknown errnos. */
        const char *text = strerrordesc_np(-code);
        return text ? text : "unknown error";
#else
        return strerror(-code); /* the BSDs and musl return static text for known errnos */
#endif
    }
    return "unknown error";
}

const char *eddy_err_name(int code)
{
    for (size_t i = 0; i < sizeof eddy_errors / sizeof eddy_errors[0]; i++)
        if (eddy_errors[i].code == code)
            return eddy_errors[i].name;
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
        if (-errno_names[i].err == code)
            return errno_names[i].name;
    return "UNKNOWN";
}
