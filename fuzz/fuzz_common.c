/* fuzz_common.c - see fuzz_common.h.
 *
 * Commands: when byte 0 asks for it, a message (line or string) whose first byte is one of these
 * acts on the receiver:
 *   R<n>  line receiver: the next n % 64 bytes are raw, then back to lines with the rest
 *   P     pause (the driver resumes after the chunk)     C  lose_connection
 *   S...  send "..." back
 * and in the chaos run only:
 *   F...  feed "..." back in re-entrantly                 A  abort_connection
 *   X     line receiver: clear the line buffer           L...  set_line_mode("...") from a line
 *   D     line receivers: delimiter becomes "\n"          M<n>  max_length becomes n */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"

#define CHAOS_FEED_MAX 4096 /* bytes a chaos run may feed back in, so it always ends */

typedef struct fz {
    union {
        eddy_line_receiver line;
        eddy_line_only_receiver line_only;
        eddy_netstring_receiver netstring;
        eddy_intn_receiver intn;
    } u; /* first: callbacks cast back */
    fz_kind kind;
    bool scripted, chaos;
    eddy_string_transport *st;
    uint64_t hash; /* FNV-1a over the event log */
    char last;     /* type of the last event, to merge raw bytes */
    size_t raw_left;
    size_t fed;
    uint32_t rng;
    bool lost;
} fz;

static void fail(void)
{
    abort();
}

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13; /* xorshift32 */
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ---- the event log --------------------------------------------------------------------------- */

static void mix(fz *z, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        z->hash = (z->hash ^ p[i]) * 1099511628211u;
}

static void event(fz *z, char type, const void *data, size_t len)
{
    if (type == 'R' && z->last == 'R') {
        mix(z, data, len); /* raw bytes form one stream whatever their chunking */
        return;
    }
    mix(z, &type, 1);
    if (type != 'R') {
        uint64_t n = len;
        mix(z, &n, sizeof n);
    }
    mix(z, data, len);
    z->last = type;
}

static eddy_receiver *receiver(fz *z)
{
    switch (z->kind) {
    case FZ_LINE:
        return &z->u.line.base;
    case FZ_LINE_ONLY:
        return &z->u.line_only.base;
    case FZ_NETSTRING:
        return &z->u.netstring.base;
    default:
        return &z->u.intn.base;
    }
}

/* ---- commands -------------------------------------------------------------------------------- */

static void send_back(fz *z, const char *data, size_t len)
{
    switch (z->kind) {
    case FZ_LINE:
        eddy_line_receiver_send_line(&z->u.line, data, len);
        break;
    case FZ_LINE_ONLY:
        eddy_line_only_receiver_send_line(&z->u.line_only, data, len);
        break;
    case FZ_NETSTRING:
        eddy_netstring_receiver_send_string(&z->u.netstring, data, len);
        break;
    default:
        eddy_intn_receiver_send_string(&z->u.intn, data, len);
        break;
    }
}

static void chaos_command(fz *z, const char *m, size_t len)
{
    eddy_transport *t = receiver(z)->protocol.transport;
    switch (m[0]) {
    case 'F':
        if (z->fed + len - 1 <= CHAOS_FEED_MAX) {
            z->fed += len - 1;
            eddy_receiver_data_received(receiver(z), m + 1, len - 1);
        }
        break;
    case 'A':
        eddy_transport_abort_connection(t);
        break;
    case 'X':
        if (z->kind == FZ_LINE) {
            void *rest = NULL;
            if (eddy_line_receiver_clear_line_buffer(&z->u.line, &rest, NULL) == 0)
                free(rest);
        }
        break;
    case 'L':
        if (z->kind == FZ_LINE && z->fed + len - 1 <= CHAOS_FEED_MAX) {
            z->fed += len - 1;
            eddy_line_receiver_set_line_mode(&z->u.line, m + 1, len - 1);
        }
        break;
    case 'D':
        if (z->kind == FZ_LINE)
            eddy_line_receiver_set_delimiter(&z->u.line, "\n", 1);
        else if (z->kind == FZ_LINE_ONLY)
            eddy_line_only_receiver_set_delimiter(&z->u.line_only, "\n", 1);
        break;
    case 'M': {
        size_t max = len > 1 ? (uint8_t)m[1] : 0;
        if (z->kind == FZ_LINE)
            z->u.line.max_length = max;
        else if (z->kind == FZ_LINE_ONLY)
            z->u.line_only.max_length = max;
        else if (z->kind == FZ_NETSTRING)
            z->u.netstring.max_length = max;
        else
            z->u.intn.max_length = max;
        break;
    }
    }
}

static void command(fz *z, const char *m, size_t len)
{
    if (!z->scripted || len == 0)
        return;
    switch (m[0]) {
    case 'R':
        if (z->kind == FZ_LINE) {
            z->raw_left = (len > 1 ? (uint8_t)m[1] : 0) % 64;
            if (z->raw_left)
                eddy_line_receiver_set_raw_mode(&z->u.line);
        }
        break;
    case 'P':
        eddy_receiver_pause_producing(receiver(z));
        break;
    case 'C':
        eddy_transport_lose_connection(receiver(z)->protocol.transport);
        break;
    case 'S':
        send_back(z, m + 1, len - 1);
        break;
    default:
        if (z->chaos)
            chaos_command(z, m, len);
    }
}

/* ---- callbacks ------------------------------------------------------------------------------- */

static void message(fz *z, char type, const void *data, size_t len)
{
    event(z, type, data, len);
    command(z, data, len);
}

static void lost(fz *z, const eddy_failure *reason)
{
    int32_t code = eddy_failure_code(reason);
    event(z, '!', &code, sizeof code);
    z->lost = true;
}

static void line_got(eddy_line_receiver *lr, const char *line, size_t len)
{
    message((fz *)lr, 'L', line, len);
}

static void line_raw(eddy_line_receiver *lr, const void *data, size_t len)
{
    fz *z = (fz *)lr;
    size_t take = len < z->raw_left ? len : z->raw_left;
    event(z, 'R', data, take);
    z->raw_left -= take;
    if (z->raw_left == 0)
        eddy_line_receiver_set_line_mode(lr, (const char *)data + take, len - take);
}

static void line_exceeded(eddy_line_receiver *lr, const char *data, size_t len)
{
    event((fz *)lr, 'X', data, len);
}

static void line_lost(eddy_line_receiver *lr, const eddy_failure *why)
{
    lost((fz *)lr, why);
}

static void lo_got(eddy_line_only_receiver *lr, const char *line, size_t len)
{
    message((fz *)lr, 'L', line, len);
}

static void lo_exceeded(eddy_line_only_receiver *lr, const char *data, size_t len)
{
    event((fz *)lr, 'X', data, len);
}

static void lo_lost(eddy_line_only_receiver *lr, const eddy_failure *why)
{
    lost((fz *)lr, why);
}

static void ns_got(eddy_netstring_receiver *nr, const void *data, size_t len)
{
    message((fz *)nr, 'S', data, len);
}

static void ns_lost(eddy_netstring_receiver *nr, const eddy_failure *why)
{
    lost((fz *)nr, why);
}

static void in_got(eddy_intn_receiver *ir, const void *data, size_t len)
{
    message((fz *)ir, 'S', data, len);
}

static void in_exceeded(eddy_intn_receiver *ir, size_t length)
{
    uint64_t n = length;
    event((fz *)ir, 'N', &n, sizeof n);
}

static void in_lost(eddy_intn_receiver *ir, const eddy_failure *why)
{
    lost((fz *)ir, why);
}

static const eddy_line_receiver_ops line_ops = {
    .line_received = line_got, .raw_data_received = line_raw, .connection_lost = line_lost};
static const eddy_line_receiver_ops line_hook_ops = {.line_received = line_got,
                                                     .raw_data_received = line_raw,
                                                     .line_length_exceeded = line_exceeded,
                                                     .connection_lost = line_lost};
static const eddy_line_only_receiver_ops line_only_ops = {.line_received = lo_got,
                                                          .connection_lost = lo_lost};
static const eddy_line_only_receiver_ops line_only_hook_ops = {
    .line_received = lo_got, .line_length_exceeded = lo_exceeded, .connection_lost = lo_lost};
static const eddy_netstring_receiver_ops netstring_ops = {.string_received = ns_got,
                                                          .connection_lost = ns_lost};
static const eddy_intn_receiver_ops intn_ops = {.string_received = in_got,
                                                .connection_lost = in_lost};
static const eddy_intn_receiver_ops intn_hook_ops = {
    .string_received = in_got, .length_limit_exceeded = in_exceeded, .connection_lost = in_lost};

/* ---- configuration --------------------------------------------------------------------------- */

static const size_t max_lengths[8] = {0 /* the default */, 0, 1, 2, 5, 16, 255, 1000};
static const struct {
    const char *s;
    size_t len;
} delimiters[4] = {{"\r\n", 2}, {"\n", 1}, {"aab", 3}, {"\r\n\r\n", 4}};

static void setup(fz *z, fz_kind kind, uint8_t cfg, bool chaos)
{
    memset(z, 0, sizeof *z);
    z->kind = kind;
    z->chaos = chaos;
    z->scripted = cfg & 0x20;
    z->hash = 1469598103934665603u;
    size_t max = max_lengths[cfg & 7];
    bool custom_max = (cfg & 7) != 0;
    switch (kind) {
    case FZ_LINE:
        eddy_line_receiver_init(&z->u.line, chaos ? &line_hook_ops : &line_ops);
        eddy_line_receiver_set_delimiter(&z->u.line, delimiters[cfg >> 3 & 3].s,
                                         delimiters[cfg >> 3 & 3].len);
        if (custom_max)
            z->u.line.max_length = max;
        break;
    case FZ_LINE_ONLY:
        eddy_line_only_receiver_init(&z->u.line_only, chaos ? &line_only_hook_ops : &line_only_ops);
        eddy_line_only_receiver_set_delimiter(&z->u.line_only, delimiters[cfg >> 3 & 3].s,
                                              delimiters[cfg >> 3 & 3].len);
        if (custom_max)
            z->u.line_only.max_length = max;
        break;
    case FZ_NETSTRING:
        eddy_netstring_receiver_init(&z->u.netstring, &netstring_ops);
        if (custom_max)
            z->u.netstring.max_length = max;
        break;
    default:
        eddy_intn_receiver_init(&z->u.intn,
                                kind == FZ_INT8    ? 1
                                : kind == FZ_INT16 ? 2
                                                   : 4,
                                chaos ? &intn_hook_ops : &intn_ops);
        if (custom_max)
            z->u.intn.max_length = max;
        break;
    }
}

/* The most a receiver may hold once it has parsed what it could, unpaused and connected. */
static void check_bounds(fz *z)
{
    eddy_receiver *r = receiver(z);
    if (z->lost || eddy_receiver_paused(r))
        return;
    size_t held = eddy_receiver_buffered(r);
    switch (z->kind) {
    case FZ_LINE:
        if (!eddy_line_receiver_line_mode(&z->u.line)
                ? held != 0
                : held >= z->u.line.max_length + z->u.line.delimiter_len)
            fail();
        break;
    case FZ_LINE_ONLY:
        if (held >= z->u.line_only.max_length + z->u.line_only.delimiter_len)
            fail();
        break;
    case FZ_NETSTRING:
        if (held > z->u.netstring.max_length + 1)
            fail();
        break;
    default:
        if (held >= z->u.intn.prefix_len + z->u.intn.max_length)
            fail();
        break;
    }
}

/* ---- runs ------------------------------------------------------------------------------------ */

/* Feed `in` in chunks (one chunk if `whole`) and return the log's hash. */
static uint64_t run(fz_kind kind, uint8_t cfg, uint8_t split, const uint8_t *in, size_t len,
                    bool whole, bool chaos)
{
    fz *z = malloc(sizeof *z);
    if (!z)
        fail();
    setup(z, kind, cfg, chaos);
    z->rng = 0x9e3779b9u ^ split;
    eddy_string_transport_options o = {.disconnect_on_lose = true};
    if (eddy_string_transport_new(&o, &z->st) < 0 ||
        eddy_string_transport_connect(z->st, &receiver(z)->protocol) < 0)
        fail();
    size_t max_chunk = (size_t)1 << (split & 7);
    for (size_t at = 0; at < len && !z->lost;) {
        size_t n = whole ? len : 1 + next(&z->rng) % max_chunk;
        if (n > len - at)
            n = len - at;
        eddy_string_transport_receive(z->st, in + at, n);
        at += n;
        eddy_string_transport_clear(z->st); /* the peer reads our answers */
        if (chaos) {
            uint32_t dice = next(&z->rng) % 4;
            if (!z->lost && dice == 0)
                eddy_receiver_pause_producing(receiver(z));
            else if (!z->lost && dice == 1)
                eddy_receiver_resume_producing(receiver(z));
            continue;
        }
        /* Every pause is undone before the next read, so the log cannot depend on chunking. */
        while (!z->lost && eddy_receiver_paused(receiver(z)))
            eddy_receiver_resume_producing(receiver(z));
        check_bounds(z);
    }
    if (!z->lost)
        eddy_string_transport_lose(z->st, EDDY_ECONNDONE);
    uint64_t hash = z->hash;
    eddy_string_transport_free(z->st);
    free(z);
    return hash;
}

int fz_run(fz_kind kind, const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t cfg = data[0], split = data[1];
    data += 2;
    size -= 2;
    if (run(kind, cfg, split, data, size, true, false) !=
        run(kind, cfg, split, data, size, false, false))
        fail(); /* the events depend on how the input was split */
    run(kind, cfg, split, data, size, false, true);
    return 0;
}
