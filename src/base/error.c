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

/* errno names for the codes a network library meets; others fall back to strerror's text. */
static const struct {
    int err;
    const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOSPC, "ENOSPC"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ENOTSOCK, "ENOTSOCK"},
    {EMSGSIZE, "EMSGSIZE"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {ENOTCONN, "ENOTCONN"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {ECANCELED, "ECANCELED"},
    {ESRCH, "ESRCH"},
    {ECHILD, "ECHILD"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {ENOTTY, "ENOTTY"},
    {EPROTO, "EPROTO"},
};

const char *eddy_strerror(int code)
{
    if (code == 0)
        return "success";
    for (size_t i = 0; i < sizeof eddy_errors / sizeof eddy_errors[0]; i++)
        if (eddy_errors[i].code == code)
            return eddy_errors[i].message;
    if (code < 0 && code > EDDY_EFIRST)
        return strerror(-code); /* glibc and the BSDs return static text for known errnos */
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
