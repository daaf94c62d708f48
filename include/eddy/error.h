/* eddy/error.h - error codes.
 *
 * Every eddy call that can fail returns an int: 0 (or a non-negative count) on success, a
 * negative code on failure. Codes that mirror an OS error are the negated errno value
 * (-ECONNREFUSED, -EMFILE, ...), so `-code` can be handed to strerror(). eddy's own conditions use
 * the EDDY_E* values below, which lie outside the errno range. */
#ifndef EDDY_ERROR_H
#define EDDY_ERROR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/** eddy's own error codes (all negative, below any negated errno). */
enum {
    EDDY_EFIRST = -5000,
    EDDY_ECONNDONE = -5000,       /**< the connection was closed cleanly */
    EDDY_ECONNLOST = -5001,       /**< the connection was lost (not cleanly) */
    EDDY_ECANCELLED = -5002,      /**< the operation was cancelled */
    EDDY_ETIMEOUT = -5003,        /**< the operation timed out */
    EDDY_EDNSLOOKUP = -5004,      /**< a host name could not be resolved */
    EDDY_ENOTRUNNING = -5005,     /**< the reactor is not running */
    EDDY_EALREADYRUNNING = -5006, /**< the reactor is already running */
    EDDY_ENOTRESTARTABLE = -5007, /**< a reactor that has stopped cannot run again */
    EDDY_EBACKEND = -5008,        /**< unknown or unavailable backend name */
    EDDY_EFDLIMIT = -5009,        /**< descriptor number too large for this backend (select) */
    EDDY_EINACTIVE = -5010,       /**< the delayed call was already called or cancelled */
    EDDY_EALREADYCALLED = -5011,  /**< the Deferred was already fired */
    EDDY_EREENTRANT = -5012,      /**< the call is not allowed from inside a callback here */
    EDDY_ENOTFOUND = -5013,       /**< no such item (trigger id, descriptor, handler) */
    EDDY_EPROTOCOL = -5014,       /**< the peer broke the protocol (malformed input) */
    EDDY_ETOOLONG = -5015,        /**< input exceeds a configured limit */
    EDDY_EABORTED = -5016,        /**< the connection was aborted locally */
    EDDY_EUNHANDLED = -5017,      /**< an error nobody handled */
    EDDY_EFAILED = -5018,         /**< a generic failure from user code */
    EDDY_ELAST = -5018,
};

/** Return a short English description of `code` (0, a negated errno or an EDDY_E* value).
 * The string is static; never NULL (unknown codes give "unknown error"). Thread-safe. */
const char *eddy_strerror(int code);

/** Return the symbolic name of `code`, e.g. "ECONNREFUSED" or "EDDY_ECONNDONE"; "UNKNOWN" if it
 * has none. The string is static. */
const char *eddy_err_name(int code);

/** Turn the current errno into an eddy code (-errno; EWOULDBLOCK folded into EAGAIN). */
static inline int eddy_errno_code(void)
{
    return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

#ifdef __cplusplus
}
#endif
#endif
