/* log_text.c - the text format (one line per event) and its observers. */
#include "base/log_buf.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

/* A value must be quoted if it would not read back as one key=value token. */
static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
            return true;
    return false;
}

static void put_time(eddy__log_buf *b, double t)
{
    long long secs, frac;
    eddy__log_split_time(t, 1000, false, &secs, &frac);
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        eddy__log_buf_puts(b, "-");
        return;
    }
    eddy__log_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
}

static void put_field(eddy__log_buf *b, const eddy_log_field *f)
{
    eddy__log_buf_put(b, " ", 1);
    eddy__log_buf_string(b, f->key, 0);
    eddy__log_buf_put(b, "=", 1);
    switch (f->type) {
    case EDDY_LOG_FIELD_STR: {
        const char *s = f->v.s ? f->v.s : "";
        if (needs_quotes(s)) {
            eddy__log_buf_put(b, "\"", 1);
            eddy__log_buf_string(b, s, EDDY__LOG_ESC_QUOTES);
            eddy__log_buf_put(b, "\"", 1);
        } else {
            eddy__log_buf_string(b, s, 0);
        }
        break;
    }
    case EDDY_LOG_FIELD_INT:
        eddy__log_buf_printf(b, "%lld", f->v.i);
        break;
    case EDDY_LOG_FIELD_DOUBLE:
        if (isnan(f->v.d))
            eddy__log_buf_puts(b, "nan");
        else if (isinf(f->v.d))
            eddy__log_buf_puts(b, f->v.d < 0 ? "-inf" : "inf");
        else
            eddy__log_buf_double(b, f->v.d);
        break;
    case EDDY_LOG_FIELD_BOOL:
        eddy__log_buf_puts(b, f->v.b ? "true" : "false");
        break;
    default:
        eddy__log_buf_puts(b, "?");
    }
}

size_t eddy_log_format_text(const eddy_log_event *event, char *buf, size_t size)
{
    eddy__log_buf b = {.p = buf, .size = size};
    put_time(&b, event->time);
    eddy__log_buf_put(&b, " ", 1);
    eddy__log_buf_puts(&b, eddy_log_level_name(event->level));
    eddy__log_buf_put(&b, " ", 1);
    eddy__log_buf_string(&b, event->ns, 0);
    if (event->prefix) {
        eddy__log_buf_put(&b, " [", 2);
        eddy__log_buf_string(&b, event->prefix, 0);
        eddy__log_buf_put(&b, "]", 1);
    }
    eddy__log_buf_put(&b, " ", 1);
    eddy__log_buf_string(&b, event->message, 0);
    for (size_t i = 0; i < event->nfields; i++)
        put_field(&b, &event->fields[i]);
    eddy__log_buf_put(&b, "\n", 1);
    return eddy__log_buf_finish(&b);
}

static void text_file_observer(const eddy_log_event *event, void *arg)
{
    eddy__log_write_file(arg, eddy_log_format_text, event);
}

static void text_fd_observer(const eddy_log_event *event, void *arg)
{
    eddy__log_write_fd(eddy__log_arg_fd(arg), eddy__log_arg_sock(arg), eddy_log_format_text, event);
}

int eddy_log_add_text_file(FILE *fp, eddy_log_level min_level, eddy_log_observer_id *id)
{
    if (!fp)
        return -EINVAL;
    return eddy_log_add_observer(text_file_observer, fp, min_level, id);
}

int eddy_log_add_text_fd(int fd, eddy_log_level min_level, eddy_log_observer_id *id)
{
    if (fd < 0)
        return -EINVAL;
    return eddy_log_add_observer(text_fd_observer, eddy__log_fd_arg(fd), min_level, id);
}
