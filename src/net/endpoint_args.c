/* endpoint_args.c - the endpoint string syntax: splitting a description into a type and
 * unescaped arguments, binding them to a parser's parameters, quoting, and converting values
 * with messages that say which part is wrong. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/endpoint_internal.h"

/* The public struct first, then what it points into. */
typedef struct split {
    eddy_endpoint_args pub;
    eddy_endpoint_arg *items; /* pub.args */
    char *text;               /* every unescaped string, NUL-separated */
} split;

int eddy__ep_fail(eddy_failure **error, const char *fmt, ...)
{
    if (error) {
        /* Sized to fit: the values quoted in a message may be as long as the description, and a
         * truncated message would lose the part that says what is wrong, which comes last. */
        va_list ap;
        va_start(ap, fmt);
        int len = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        char *msg = len < 0 ? NULL : malloc((size_t)len + 1);
        if (msg) {
            va_start(ap, fmt);
            vsnprintf(msg, (size_t)len + 1, fmt, ap);
            va_end(ap);
        }
        *error = eddy_failure_new(-EINVAL, "%s", msg ? msg : "invalid endpoint description");
        free(msg);
    }
    return -EINVAL;
}

void eddy_endpoint_args_free(eddy_endpoint_args *args)
{
    if (!args)
        return;
    split *s = (split *)args;
    free(s->items);
    free(s->text);
    free(s);
}

/* Copy one piece of `*p` (up to an unescaped ':' or the end) into `*w`, splitting at its first
 * unescaped '='. Advances both. Returns -EINVAL on a trailing backslash. */
static int read_piece(const char **p, char **w, const char **key, const char **value)
{
    const char *r = *p;
    char *out = *w;
    char *start = out;
    *key = NULL;
    for (; *r && *r != ':'; r++) {
        if (*r == '\\') {
            if (!r[1])
                return -EINVAL;
            *out++ = *++r;
        } else if (*r == '=' && !*key) {
            *out++ = '\0';
            *key = start;
            start = out;
        } else {
            *out++ = *r;
        }
    }
    *out++ = '\0';
    *value = start;
    *p = r;
    *w = out;
    return 0;
}

/* read_piece, with the error message. */
static int next_piece(const char **p, char **w, const char **key, const char **value,
                      const char *description, eddy_failure **error)
{
    if (read_piece(p, w, key, value) < 0)
        return eddy__ep_fail(error, "'%s': backslash at the end escapes nothing", description);
    return 0;
}

int eddy_endpoint_args_split(const char *description, eddy_endpoint_args **out,
                             eddy_failure **error)
{
    if (!description || !*description)
        return eddy__ep_fail(error, "empty endpoint description");
    size_t len = strlen(description), pieces = 1;
    for (const char *c = description; *c; c++)
        pieces += *c == ':';
    split *s = calloc(1, sizeof *s);
    if (s) {
        s->items = calloc(pieces, sizeof *s->items);
        s->text = malloc(len + pieces + 1);
    }
    if (!s || !s->items || !s->text) {
        eddy_endpoint_args_free(s ? &s->pub : NULL);
        return -ENOMEM;
    }
    const char *p = description;
    char *w = s->text;
    const char *key = NULL, *value = "";
    int rc = next_piece(&p, &w, &key, &value, description, error);
    if (rc == 0 && key)
        rc = eddy__ep_fail(error, "'%s': the endpoint type must come first", description);
    else if (rc == 0 && !*value)
        rc = eddy__ep_fail(error, "'%s': missing endpoint type before ':'", description);
    s->pub.prefix = value;
    /* "type:" alone has no arguments; otherwise every ':' starts one (possibly empty). */
    bool none = *p == ':' && !p[1];
    while (rc == 0 && *p == ':' && !none) {
        p++;
        rc = next_piece(&p, &w, &key, &value, description, error);
        if (rc == 0 && key && !*key)
            rc = eddy__ep_fail(error, "%s: argument %zu: empty parameter name before '='",
                               s->pub.prefix, s->pub.count + 1);
        s->items[s->pub.count++] = (eddy_endpoint_arg){.key = key, .value = value};
    }
    if (rc < 0) {
        eddy_endpoint_args_free(&s->pub);
        return rc;
    }
    s->pub.args = s->items;
    *out = &s->pub;
    return 0;
}

/* "port, interface, backlog" into buf. */
static void list_names(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

int eddy_endpoint_args_bind(const eddy_endpoint_args *args, const char *const *names, size_t n,
                            const char **values, eddy_failure **error)
{
    char expected[256];
    list_names(names, n, expected, sizeof expected);
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    size_t positional = 0;
    for (size_t i = 0; i < args->count; i++) {
        const eddy_endpoint_arg *a = &args->args[i];
        size_t slot = n;
        if (!a->key) {
            if (positional >= n)
                return eddy__ep_fail(error,
                                     "%s: too many arguments: '%s' is extra (parameters: %s)",
                                     args->prefix, a->value, expected);
            slot = positional++;
        } else {
            for (slot = 0; slot < n && strcmp(names[slot], a->key) != 0; slot++)
                ;
            if (slot == n)
                return eddy__ep_fail(error, "%s: unknown parameter '%s' (parameters: %s)",
                                     args->prefix, a->key, expected);
        }
        if (values[slot])
            return eddy__ep_fail(error, "%s: parameter '%s' given twice", args->prefix,
                                 names[slot]);
        values[slot] = a->value;
    }
    return 0;
}

size_t eddy_endpoint_quote(const char *s, char *buf, size_t size)
{
    size_t need = 0;
    for (const char *c = s; *c; c++) {
        if (*c == ':' || *c == '=' || *c == '\\') {
            if (need + 1 < size)
                buf[need] = '\\';
            need++;
        }
        if (need + 1 < size)
            buf[need] = *c;
        need++;
    }
    if (size > 0)
        buf[need < size ? need : size - 1] = '\0';
    return need;
}

/* ---- conversions ----------------------------------------------------------------------------- */

/* A whole decimal (base 10) or octal (base 8) number in [0, max], or -1. */
static long whole_number(const char *s, int base, long max)
{
    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, base);
    return *end || errno || v > max ? -1 : v;
}

int eddy__ep_port(const char *type, const char *name, const char *s, int min, int *out,
                  eddy_failure **error)
{
    long v = whole_number(s, 10, 65535);
    if (v < min)
        return eddy__ep_fail(error, "%s: %s: '%s' is not a port number (%d-65535)", type, name, s,
                             min);
    *out = (int)v;
    return 0;
}

int eddy__ep_uint(const char *type, const char *name, const char *s, long max, long *out,
                  eddy_failure **error)
{
    long v = whole_number(s, 10, max);
    if (v < 1)
        return eddy__ep_fail(error, "%s: %s: '%s' is not a whole number (1-%ld)", type, name, s,
                             max);
    *out = v;
    return 0;
}

int eddy__ep_mode(const char *type, const char *name, const char *s, int *out, eddy_failure **error)
{
    long v = whole_number(s, 8, 07777);
    if (v < 0)
        return eddy__ep_fail(error, "%s: %s: '%s' is not an octal file mode (like 660)", type, name,
                             s);
    *out = (int)v;
    return 0;
}

int eddy__ep_seconds(const char *type, const char *name, const char *s, double *out,
                     eddy_failure **error)
{
    char *end;
    errno = 0;
    double v = *s ? strtod(s, &end) : 0;
    if (!*s || *end || errno || !isfinite(v) || v <= 0)
        return eddy__ep_fail(error, "%s: %s: '%s' is not a positive number of seconds", type, name,
                             s);
    *out = v;
    return 0;
}

int eddy__ep_flag(const char *type, const char *name, const char *s, bool *out,
                  eddy_failure **error)
{
    if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
        return eddy__ep_fail(error, "%s: %s: '%s' must be 0 or 1", type, name, s);
    *out = s[0] == '1';
    return 0;
}

int eddy__ep_ip(const char *type, const char *name, const char *s, int family, eddy_failure **error)
{
    unsigned char buf[sizeof(struct in6_addr)];
    bool v4 = inet_pton(AF_INET, s, buf) == 1, v6 = inet_pton(AF_INET6, s, buf) == 1;
    if ((family == AF_INET && v4) || (family == AF_INET6 && v6) ||
        (family == AF_UNSPEC && (v4 || v6)))
        return 0;
    const char *what = family == AF_INET    ? "an IPv4 address"
                       : family == AF_INET6 ? "an IPv6 address"
                                            : "an IP address";
    return eddy__ep_fail(error, "%s: %s: '%s' is not %s", type, name, s, what);
}
