/* log_json.c - Twisted's JSON log format and its observers.
 *
 * twisted.logger.jsonFileLogObserver writes each event as 0x1E, a JSON object, '\n'; its reader
 * (eventsFromJSONLogFile) turns the object back into an event dict. The keys that matter to it:
 * log_time (float seconds), log_level (an object whose __class_uuid__ names Twisted's LogLevel
 * loader and whose "name" is one of Twisted's level names, which are ours), log_namespace,
 * log_format (a PEP 3101 format string, hence doubled braces) and log_system (Twisted's name for
 * the log prefix). Other keys are event fields. */
#include "base/log_buf.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define TWISTED_LOG_LEVEL_UUID "02e59486-f24d-46ad-8224-3acdf2a5732a"

static void put_string(eddy__log_buf *b, const char *s, unsigned flags)
{
    eddy__log_buf_put(b, "\"", 1);
    eddy__log_buf_string(b, s, EDDY__LOG_ESC_QUOTES | EDDY__LOG_ESC_JSON | flags);
    eddy__log_buf_put(b, "\"", 1);
}

static void put_time(eddy__log_buf *b, double t)
{
    long long secs, frac;
    eddy__log_split_time(t, 1000000, true, &secs, &frac);
    /* The split gives a fraction counted up from a floored second (-0.25 is -1 and 750000);
     * written as digits after a minus sign it must count away from zero instead. */
    if (secs < 0 && frac > 0)
        eddy__log_buf_printf(b, "-%lld.%06lld", -(secs + 1), 1000000 - frac);
    else
        eddy__log_buf_printf(b, "%lld.%06lld", secs, frac);
}

static void put_field(eddy__log_buf *b, const eddy_log_field *f)
{
    eddy__log_buf_put(b, ",\"", 2);
    /* Twisted owns the log_ keys; a field named like one must not replace the event's own. */
    if (strncmp(f->key, "log_", 4) == 0)
        eddy__log_buf_put(b, "_", 1);
    eddy__log_buf_string(b, f->key, EDDY__LOG_ESC_QUOTES | EDDY__LOG_ESC_JSON);
    eddy__log_buf_put(b, "\":", 2);
    switch (f->type) {
    case EDDY_LOG_FIELD_STR:
        if (f->v.s)
            put_string(b, f->v.s, 0);
        else
            eddy__log_buf_puts(b, "null");
        break;
    case EDDY_LOG_FIELD_INT:
        eddy__log_buf_printf(b, "%lld", f->v.i);
        break;
    case EDDY_LOG_FIELD_DOUBLE:
        if (isfinite(f->v.d))
            eddy__log_buf_double(b, f->v.d);
        else
            eddy__log_buf_puts(b, "null"); /* JSON has no NaN or Infinity */
        break;
    case EDDY_LOG_FIELD_BOOL:
        eddy__log_buf_puts(b, f->v.b ? "true" : "false");
        break;
    default:
        eddy__log_buf_puts(b, "null");
    }
}

size_t eddy_log_format_json(const eddy_log_event *event, char *buf, size_t size)
{
    eddy__log_buf b = {.p = buf, .size = size};
    eddy__log_buf_puts(&b, "\x1e{\"log_time\":");
    put_time(&b, event->time);
    eddy__log_buf_puts(&b, ",\"log_level\":{\"name\":\"");
    eddy__log_buf_puts(&b, eddy_log_level_name(event->level));
    eddy__log_buf_puts(&b,
                       "\",\"__class_uuid__\":\"" TWISTED_LOG_LEVEL_UUID "\"},\"log_namespace\":");
    put_string(&b, event->ns, 0);
    eddy__log_buf_puts(&b, ",\"log_format\":");
    put_string(&b, event->message, EDDY__LOG_ESC_BRACES);
    if (event->prefix) {
        eddy__log_buf_puts(&b, ",\"log_system\":");
        put_string(&b, event->prefix, 0);
    }
    for (size_t i = 0; i < event->nfields; i++)
        put_field(&b, &event->fields[i]);
    eddy__log_buf_put(&b, "}\n", 2);
    return eddy__log_buf_finish(&b);
}

static void json_file_observer(const eddy_log_event *event, void *arg)
{
    eddy__log_write_file(arg, eddy_log_format_json, event);
}

static void json_fd_observer(const eddy_log_event *event, void *arg)
{
    eddy__log_write_fd(eddy__log_arg_fd(arg), eddy__log_arg_sock(arg), eddy_log_format_json, event);
}

int eddy_log_add_json_file(FILE *fp, eddy_log_level min_level, eddy_log_observer_id *id)
{
    if (!fp)
        return -EINVAL;
    return eddy_log_add_observer(json_file_observer, fp, min_level, id);
}

int eddy_log_add_json_fd(int fd, eddy_log_level min_level, eddy_log_observer_id *id)
{
    if (fd < 0)
        return -EINVAL;
    return eddy_log_add_observer(json_fd_observer, eddy__log_fd_arg(fd), min_level, id);
}
