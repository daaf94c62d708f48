/* failure.c - reference-counted error values (see eddy/failure.h). */
#include "eddy/failure.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eddy_failure {
    atomic_int refs;     /* references; the static OOM failure has refs < 0 and is never freed */
    int code;            /* negative eddy code */
    int line;            /* where it was raised, 0 when unknown */
    const char *file;    /* static string from __FILE__, or NULL */
    const char *func;    /* static string from __func__, or NULL */
    eddy_failure *cause; /* owned reference, or NULL */
    char message[];      /* NUL-terminated */
};

static eddy_failure out_of_memory = {
    .refs = -1, .code = -ENOMEM, .file = NULL, .func = NULL, .cause = NULL};

static const char *strip_dirs(const char *file)
{
    if (!file)
        return NULL;
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

eddy_failure *eddy_failure_new_at(int code, eddy_failure *cause, const char *file, int line,
                                  const char *func, const char *fmt, ...)
{
    /* Normalise first, so a message taken from the code describes the code the failure has. */
    code = code < 0 ? code : EDDY_EFAILED;
    char small[256];
    const char *text = small;
    char *big = NULL;
    int len;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        len = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (len < 0)
            len = 0, small[0] = '\0';
        if ((size_t)len >= sizeof small) {
            big = malloc((size_t)len + 1);
            if (big) {
                va_start(ap, fmt);
                vsnprintf(big, (size_t)len + 1, fmt, ap);
                va_end(ap);
                text = big;
            } else {
                len = (int)sizeof small - 1;
            }
        }
    } else {
        text = eddy_strerror(code);
        len = (int)strlen(text);
    }
    eddy_failure *f = malloc(sizeof *f + (size_t)len + 1);
    if (!f) {
        free(big);
        return &out_of_memory;
    }
    atomic_init(&f->refs, 1);
    f->code = code;
    f->line = line;
    f->file = strip_dirs(file);
    f->func = func;
    f->cause = eddy_failure_ref(cause);
    memcpy(f->message, text, (size_t)len);
    f->message[len] = '\0';
    free(big);
    return f;
}

eddy_failure *eddy_failure_ref(const eddy_failure *cf)
{
    eddy_failure *f = (eddy_failure *)cf;
    if (f && atomic_load_explicit(&f->refs, memory_order_relaxed) >= 0)
        atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void eddy_failure_unref(eddy_failure *f)
{
    while (f && atomic_load_explicit(&f->refs, memory_order_relaxed) >= 0) {
        if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
            return;
        eddy_failure *cause = f->cause; /* unwind the chain iteratively */
        free(f);
        f = cause;
    }
}

int eddy_failure_code(const eddy_failure *f)
{
    return f->code;
}

const char *eddy_failure_message(const eddy_failure *f)
{
    return f == &out_of_memory ? "out of memory" : f->message;
}

const eddy_failure *eddy_failure_cause(const eddy_failure *f)
{
    return f->cause;
}

const char *eddy_failure_file(const eddy_failure *f)
{
    return f->file;
}

int eddy_failure_line(const eddy_failure *f)
{
    return f->line;
}

const char *eddy_failure_function(const eddy_failure *f)
{
    return f->func;
}

bool eddy_failure_check(const eddy_failure *f, int code)
{
    for (; f; f = f->cause)
        if (f->code == code)
            return true;
    return false;
}

size_t eddy_failure_format(const eddy_failure *f, char *buf, size_t size)
{
    size_t need = 0;
    for (const eddy_failure *g = f; g; g = g->cause) {
        char where[160] = "";
        if (g->file)
            snprintf(where, sizeof where, " (at %s:%d%s%s)", g->file, g->line,
                     g->func ? " in " : "", g->func ? g->func : "");
        int n = snprintf(buf && need < size ? buf + need : NULL,
                         buf && need < size ? size - need : 0, "%s%s: %s%s", g == f ? "" : " <- ",
                         eddy_err_name(g->code), eddy_failure_message(g), where);
        if (n > 0)
            need += (size_t)n;
    }
    if (buf && size && need >= size)
        buf[size - 1] = '\0';
    return need;
}
