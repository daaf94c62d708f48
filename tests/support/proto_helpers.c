/* proto_helpers.c - see proto_helpers.h. */
#include "proto_helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the log --------------------------------------------------------------------------------- */

static void put(proto_rec *r, const char *s, size_t n)
{
    if (r->log_len + n + 1 > r->log_cap) {
        size_t cap = r->log_cap ? r->log_cap : 256;
        while (cap < r->log_len + n + 1)
            cap *= 2;
        r->log = realloc(r->log, cap);
        cr_assert_not_null(r->log);
        r->log_cap = cap;
    }
    memcpy(r->log + r->log_len, s, n);
    r->log_len += n;
    r->log[r->log_len] = '\0';
}

static void put_escaped(proto_rec *r, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        char tmp[8];
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '[' && p[i] != ']')
            put(r, (const char *)&p[i], 1);
        else
            put(r, tmp, (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", p[i]));
    }
}

/* One token; raw bytes following raw bytes extend the open R token. */
static void event(proto_rec *r, char type, const void *data, size_t len)
{
    if (type == 'R' && r->last == 'R') {
        r->log_len--; /* reopen "R[...]" */
        put_escaped(r, data, len);
        put(r, "]", 1);
        return;
    }
    char head[2] = {type, '['};
    put(r, head, 2);
    put_escaped(r, data, len);
    put(r, "]", 1);
    r->last = type;
}

const char *proto_escape(const void *in, size_t len)
{
    static char out[4096];
    proto_rec tmp = {0};
    put_escaped(&tmp, in, len);
    snprintf(out, sizeof out, "%s", tmp.log ? tmp.log : "");
    free(tmp.log);
    return out;
}

/* ---- commands -------------------------------------------------------------------------------- */

static eddy_transport *transport(proto_rec *r)
{
    return proto_rec_receiver(r)->protocol.transport;
}

static void send_back(proto_rec *r, const char *data, size_t len)
{
    switch (r->kind) {
    case REC_LINE:
        eddy_line_receiver_send_line(&r->u.line, data, len);
        break;
    case REC_LINE_ONLY:
        eddy_line_only_receiver_send_line(&r->u.line_only, data, len);
        break;
    case REC_NETSTRING:
        eddy_netstring_receiver_send_string(&r->u.netstring, data, len);
        break;
    default:
        eddy_intn_receiver_send_string(&r->u.intn, data, len);
        break;
    }
}

static bool starts(const char *data, size_t len, const char *cmd)
{
    size_t n = strlen(cmd);
    return len >= n && memcmp(data, cmd, n) == 0;
}

static void command(proto_rec *r, const char *data, size_t len)
{
    if (!r->scripted)
        return;
    if (starts(data, len, "RAW ") && r->kind == REC_LINE) {
        char num[24] = {0};
        memcpy(num, data + 4, len - 4 < sizeof num - 1 ? len - 4 : sizeof num - 1);
        r->raw_left = strtoul(num, NULL, 10);
        if (r->raw_left)
            eddy_line_receiver_set_raw_mode(&r->u.line);
    } else if (starts(data, len, "PAUSE")) {
        eddy_receiver_pause_producing(proto_rec_receiver(r));
    } else if (starts(data, len, "CLOSE")) {
        eddy_transport_lose_connection(transport(r));
    } else if (starts(data, len, "SEND ")) {
        send_back(r, data + 5, len - 5);
    }
}

/* ---- callbacks ------------------------------------------------------------------------------- */

static void made(proto_rec *r)
{
    r->made++;
}

static void lost(proto_rec *r, const eddy_failure *reason)
{
    r->lost++;
    r->lost_code = eddy_failure_code(reason);
    snprintf(r->lost_message, sizeof r->lost_message, "%s", eddy_failure_message(reason));
    const char *name = eddy_err_name(r->lost_code);
    put(r, "!", 1);
    put(r, name, strlen(name));
    r->last = '!';
    if (r->free_on_lost) {
        free(r->log);
        free(r);
    }
}

static void line_made(eddy_line_receiver *lr)
{
    made((proto_rec *)lr);
}

static void line_got(eddy_line_receiver *lr, const char *line, size_t len)
{
    proto_rec *r = (proto_rec *)lr;
    event(r, 'L', line, len);
    command(r, line, len);
}

static void line_raw(eddy_line_receiver *lr, const void *data, size_t len)
{
    proto_rec *r = (proto_rec *)lr;
    size_t take = len < r->raw_left ? len : r->raw_left;
    event(r, 'R', data, take);
    r->raw_left -= take;
    if (r->raw_left == 0)
        eddy_line_receiver_set_line_mode(lr, (const char *)data + take, len - take);
}

static void line_exceeded(eddy_line_receiver *lr, const char *data, size_t len)
{
    event((proto_rec *)lr, 'X', data, len);
}

static void line_lost(eddy_line_receiver *lr, const eddy_failure *reason)
{
    lost((proto_rec *)lr, reason);
}

static const eddy_line_receiver_ops line_ops = {
    .connection_made = line_made,
    .line_received = line_got,
    .raw_data_received = line_raw,
    .connection_lost = line_lost,
};
static const eddy_line_receiver_ops line_hook_ops = {
    .connection_made = line_made,
    .line_received = line_got,
    .raw_data_received = line_raw,
    .line_length_exceeded = line_exceeded,
    .connection_lost = line_lost,
};

static void lo_made(eddy_line_only_receiver *lr)
{
    made((proto_rec *)lr);
}

static void lo_got(eddy_line_only_receiver *lr, const char *line, size_t len)
{
    proto_rec *r = (proto_rec *)lr;
    event(r, 'L', line, len);
    command(r, line, len);
}

static void lo_exceeded(eddy_line_only_receiver *lr, const char *data, size_t len)
{
    event((proto_rec *)lr, 'X', data, len);
}

static void lo_lost(eddy_line_only_receiver *lr, const eddy_failure *reason)
{
    lost((proto_rec *)lr, reason);
}

static const eddy_line_only_receiver_ops line_only_ops = {
    .connection_made = lo_made, .line_received = lo_got, .connection_lost = lo_lost};
static const eddy_line_only_receiver_ops line_only_hook_ops = {.connection_made = lo_made,
                                                               .line_received = lo_got,
                                                               .line_length_exceeded = lo_exceeded,
                                                               .connection_lost = lo_lost};

static void ns_made(eddy_netstring_receiver *nr)
{
    made((proto_rec *)nr);
}

static void ns_got(eddy_netstring_receiver *nr, const void *data, size_t len)
{
    proto_rec *r = (proto_rec *)nr;
    event(r, 'S', data, len);
    command(r, data, len);
}

static void ns_lost(eddy_netstring_receiver *nr, const eddy_failure *reason)
{
    lost((proto_rec *)nr, reason);
}

static const eddy_netstring_receiver_ops netstring_ops = {
    .connection_made = ns_made, .string_received = ns_got, .connection_lost = ns_lost};

static void in_made(eddy_intn_receiver *ir)
{
    made((proto_rec *)ir);
}

static void in_got(eddy_intn_receiver *ir, const void *data, size_t len)
{
    proto_rec *r = (proto_rec *)ir;
    event(r, 'S', data, len);
    command(r, data, len);
}

static void in_exceeded(eddy_intn_receiver *ir, size_t length)
{
    char num[24];
    event((proto_rec *)ir, 'N', num, (size_t)snprintf(num, sizeof num, "%zu", length));
}

static void in_lost(eddy_intn_receiver *ir, const eddy_failure *reason)
{
    lost((proto_rec *)ir, reason);
}

static const eddy_intn_receiver_ops intn_ops = {
    .connection_made = in_made, .string_received = in_got, .connection_lost = in_lost};
static const eddy_intn_receiver_ops intn_hook_ops = {.connection_made = in_made,
                                                     .string_received = in_got,
                                                     .length_limit_exceeded = in_exceeded,
                                                     .connection_lost = in_lost};

/* ---- set-up and driving ---------------------------------------------------------------------- */

void proto_rec_init(proto_rec *r, rec_kind kind)
{
    *r = (proto_rec){.kind = kind};
    put(r, "", 0); /* the log is never NULL */
    switch (kind) {
    case REC_LINE:
        eddy_line_receiver_init(&r->u.line, &line_ops);
        break;
    case REC_LINE_ONLY:
        eddy_line_only_receiver_init(&r->u.line_only, &line_only_ops);
        break;
    case REC_NETSTRING:
        eddy_netstring_receiver_init(&r->u.netstring, &netstring_ops);
        break;
    case REC_INT8:
        eddy_int8_receiver_init(&r->u.intn, &intn_ops);
        break;
    case REC_INT16:
        eddy_int16_receiver_init(&r->u.intn, &intn_ops);
        break;
    case REC_INT32:
        eddy_int32_receiver_init(&r->u.intn, &intn_ops);
        break;
    }
}

eddy_receiver *proto_rec_receiver(proto_rec *r)
{
    switch (r->kind) {
    case REC_LINE:
        return &r->u.line.base;
    case REC_LINE_ONLY:
        return &r->u.line_only.base;
    case REC_NETSTRING:
        return &r->u.netstring.base;
    default:
        return &r->u.intn.base;
    }
}

void proto_rec_connect(proto_rec *r)
{
    if (r->hook_exceeded) {
        if (r->kind == REC_LINE)
            r->u.line.ops = &line_hook_ops;
        else if (r->kind == REC_LINE_ONLY)
            r->u.line_only.ops = &line_only_hook_ops;
        else if (r->kind != REC_NETSTRING)
            r->u.intn.ops = &intn_hook_ops;
    }
    eddy_string_transport_options o = {.disconnect_on_lose = true};
    cr_assert_eq(eddy_string_transport_new(&o, &r->st), 0);
    cr_assert_eq(eddy_string_transport_connect(r->st, &proto_rec_receiver(r)->protocol), 0);
    cr_assert_eq(r->made, 1);
}

void proto_rec_feed(proto_rec *r, const void *data, size_t len)
{
    if (r->lost)
        return;
    eddy_string_transport_receive(r->st, data, len);
}

const char *proto_rec_written(proto_rec *r, size_t *len)
{
    return eddy_string_transport_value(r->st, len);
}

void proto_rec_finish(proto_rec *r)
{
    if (!r->lost)
        eddy_string_transport_lose(r->st, EDDY_ECONNDONE);
    eddy_string_transport_free(r->st);
    r->st = NULL;
    free(r->log);
    r->log = NULL;
}

/* Feed chunk by chunk (cuts[] are the offsets where a chunk ends), resuming after each chunk
 * whatever a PAUSE command paused, and return the log. */
static char *run(rec_kind kind, const char *in, size_t len, const size_t *cuts, size_t ncuts,
                 void (*setup)(proto_rec *r))
{
    proto_rec r;
    proto_rec_init(&r, kind);
    if (setup)
        setup(&r);
    proto_rec_connect(&r);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        proto_rec_feed(&r, in + at, end - at);
        at = end;
        while (!r.lost && eddy_receiver_paused(proto_rec_receiver(&r)))
            eddy_receiver_resume_producing(proto_rec_receiver(&r));
    }
    if (!r.lost)
        eddy_string_transport_lose(r.st, EDDY_ECONNDONE);
    char *log = strdup(r.log ? r.log : "");
    proto_rec_finish(&r);
    return log;
}

char *assert_split_invariant(rec_kind kind, const void *input, size_t len,
                             void (*setup)(proto_rec *r))
{
    const char *in = input;
    char *whole = run(kind, in, len, NULL, 0, setup);
    for (size_t cut = 1; cut < len; cut++) {
        char *split = run(kind, in, len, &cut, 1, setup);
        cr_assert_str_eq(split, whole, "split at %zu of %zu differs:\n  whole: %s\n  split: %s",
                         cut, len, whole, split);
        free(split);
    }
    if (len > 1) {
        size_t *cuts = malloc((len - 1) * sizeof *cuts);
        cr_assert_not_null(cuts);
        for (size_t i = 0; i < len - 1; i++)
            cuts[i] = i + 1;
        char *bytes = run(kind, in, len, cuts, len - 1, setup);
        cr_assert_str_eq(bytes, whole, "byte by byte differs:\n  whole: %s\n  bytes: %s", whole,
                         bytes);
        free(bytes);
        free(cuts);
    }
    return whole;
}

proto_rec *proto_rec_new(rec_kind kind, void (*setup)(proto_rec *))
{
    proto_rec *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    proto_rec_init(r, kind);
    if (setup)
        setup(r);
    proto_rec_connect(r);
    return r;
}

void proto_rec_free(proto_rec *r)
{
    proto_rec_finish(r);
    free(r);
}

void proto_rec_scripted(proto_rec *r)
{
    r->scripted = true;
}
