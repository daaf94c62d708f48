/* log_buf.c - bounded buffers, string cleaning and output for the log formatters. */
#include "base/log_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eddy_config.h"

void eddy__log_buf_put(eddy__log_buf *b, const char *s, size_t n)
{
    if (b->len < b->size) {
        size_t room = b->size - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

void eddy__log_buf_puts(eddy__log_buf *b, const char *s)
{
    eddy__log_buf_put(b, s, strlen(s));
}

void eddy__log_buf_printf(eddy__log_buf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        eddy__log_buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Length of the well-formed UTF-8 sequence at `s` (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 if the byte at `s` does not start one. Stops at a NUL. */
static size_t utf8_sequence_length(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4 || (s[1] & 0xC0) != 0x80)
        return 0;
    if (c < 0xE0)
        return 2;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (s[2] & 0xC0) != 0x80)
        return 0;
    if (c < 0xF0)
        return 3;
    if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90) || (s[3] & 0xC0) != 0x80)
        return 0;
    return 4;
}

static void put_control(eddy__log_buf *b, unsigned char c, unsigned flags)
{
    switch (c) {
    case '\n':
        eddy__log_buf_put(b, "\\n", 2);
        return;
    case '\r':
        eddy__log_buf_put(b, "\\r", 2);
        return;
    case '\t':
        eddy__log_buf_put(b, "\\t", 2);
        return;
    default:
        if (flags & EDDY__LOG_ESC_JSON)
            eddy__log_buf_printf(b, "\\u%04x", c);
        else
            eddy__log_buf_printf(b, "\\x%02x", c);
    }
}

void eddy__log_buf_string(eddy__log_buf *b, const char *str, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        /* Copy the longest run that needs no attention in one go. */
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' && *s != '{' && *s != '}')
            s++;
        eddy__log_buf_put(b, (const char *)run, (size_t)(s - run));
        unsigned c = *s;
        if (c == 0)
            break;
        if (c == '"' || c == '\\') {
            if (flags & EDDY__LOG_ESC_QUOTES)
                eddy__log_buf_put(b, "\\", 1);
            eddy__log_buf_put(b, (const char *)s++, 1);
        } else if (c == '{' || c == '}') {
            if (flags & EDDY__LOG_ESC_BRACES)
                eddy__log_buf_put(b, (const char *)s, 1);
            eddy__log_buf_put(b, (const char *)s++, 1);
        } else if (c < 0x20 || (c == 0x7f && !(flags & EDDY__LOG_ESC_JSON))) {
            put_control(b, (unsigned char)c, flags);
            s++;
        } else {
            size_t n = utf8_sequence_length(s);
            if (n) {
                eddy__log_buf_put(b, (const char *)s, n);
                s += n;
            } else {
                eddy__log_buf_put(b, "\xEF\xBF\xBD", 3); /* U+FFFD REPLACEMENT CHARACTER */
                s++;
            }
        }
    }
}

void eddy__log_buf_double(eddy__log_buf *b, double d)
{
    char tmp[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(tmp, sizeof tmp, "%.*g", precision, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* %g writes the locale's decimal point; JSON and our text format want '.'. */
    bool integral = true;
    for (char *p = tmp; *p; p++) {
        if ((*p < '0' || *p > '9') && *p != '-' && *p != '+' && *p != 'e')
            *p = '.';
        if (*p == '.' || *p == 'e')
            integral = false;
    }
    eddy__log_buf_puts(b, tmp);
    if (integral)
        eddy__log_buf_put(b, ".0", 2);
}

void eddy__log_split_time(double t, long long units, bool round, long long *secs, long long *frac)
{
    /* No floor(): libeddy does not link libm. The bound keeps t * units inside long long. */
    double x = t > -1e11 && t < 1e11 ? t * (double)units + (round ? 0.5 : 0.0) : 0.0;
    long long n = (long long)x;
    if ((double)n > x)
        n--;
    *secs = n / units;
    *frac = n % units;
    if (*frac < 0)
        *secs -= 1, *frac += units;
}

size_t eddy__log_buf_finish(eddy__log_buf *b)
{
    if (b->size)
        b->p[b->len < b->size ? b->len : b->size - 1] = '\0';
    return b->len;
}

/* Render into a stack buffer, or into the heap when the event is larger. NULL only when out of
 * memory, in which case the event is lost: a logger has nowhere to report that. */
static char *render(eddy__log_formatter format, const eddy_log_event *event, char *stack,
                    size_t stack_size, size_t *len)
{
    *len = format(event, stack, stack_size);
    if (*len < stack_size)
        return stack;
    char *heap = malloc(*len + 1);
    if (heap)
        format(event, heap, *len + 1);
    return heap;
}

void eddy__log_write_file(FILE *fp, eddy__log_formatter format, const eddy_log_event *event)
{
    char stack[1024];
    size_t len;
    char *line = render(format, event, stack, sizeof stack, &len);
    if (!line)
        return;
    fwrite(line, 1, len, fp);
    fflush(fp);
    if (line != stack)
        free(line);
}

bool eddy__log_fd_is_socket(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* One write of `fd`: send() with MSG_NOSIGNAL to a socket, write() otherwise. */
static ssize_t write_some(int fd, const char *p, size_t n, bool sock)
{
#ifdef EDDY_HAVE_MSG_NOSIGNAL
    if (sock) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r >= 0 || errno != ENOTSOCK)
            return r; /* ENOTSOCK: the number was reused for something else since */
    }
#else
    (void)sock;
#endif
    return write(fd, p, n);
}

void eddy__log_write_fd(int fd, bool sock, eddy__log_formatter format, const eddy_log_event *event)
{
    char stack[1024];
    size_t len;
    char *line = render(format, event, stack, sizeof stack, &len);
    if (!line)
        return;
    /* Plain write(), not the syscall seam: fault injection aimed at transports must not also
     * swallow the log lines that explain what the test saw. A socket (stderr under systemd, a log
     * collector) is sent to with MSG_NOSIGNAL, as transports do, so a reader that went away gives
     * EPIPE instead of a SIGPIPE that kills the process. */
    for (size_t done = 0; done < len;) {
        ssize_t n = write_some(fd, line + done, len - done, sock);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (line != stack)
        free(line);
}
