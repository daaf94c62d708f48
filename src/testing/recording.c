/* recording.c - a protocol and a factory that record what happens to them, for tests. */
#include <stdlib.h>
#include <string.h>

#include "eddy/testing.h"

static eddy_recording_protocol *rec_of(eddy_protocol *p)
{
    return (eddy_recording_protocol *)p;
}

static void note_event(eddy_recording_protocol *r)
{
    if (r->lost)
        r->events_after_lost = true;
}

static void rec_made(eddy_protocol *p, eddy_transport *t)
{
    (void)t;
    note_event(rec_of(p));
    rec_of(p)->made++;
}

static void rec_data(eddy_protocol *p, const void *data, size_t len)
{
    eddy_recording_protocol *r = rec_of(p);
    note_event(r);
    r->data_calls++;
    if (r->received_len + len + 1 > r->received_cap) {
        size_t cap = r->received_cap ? r->received_cap : 64;
        while (cap < r->received_len + len + 1)
            cap *= 2;
        char *grown = realloc(r->received, cap);
        if (!grown)
            return; /* the test will see missing bytes */
        r->received = grown;
        r->received_cap = cap;
    }
    memcpy(r->received + r->received_len, data, len);
    r->received_len += len;
    r->received[r->received_len] = '\0';
}

static bool rec_eof(eddy_protocol *p)
{
    note_event(rec_of(p));
    rec_of(p)->eofs++;
    return rec_of(p)->keep_half_open;
}

static void rec_write_lost(eddy_protocol *p)
{
    note_event(rec_of(p));
    rec_of(p)->write_lost++;
}

static void rec_lost(eddy_protocol *p, const eddy_failure *why)
{
    eddy_recording_protocol *r = rec_of(p);
    note_event(r);
    r->lost++;
    r->lost_code = eddy_failure_code(why);
}

static const eddy_protocol_ops recording_ops = {
    .connection_made = rec_made,
    .data_received = rec_data,
    .eof_received = rec_eof,
    .connection_lost = rec_lost,
    .write_connection_lost = rec_write_lost,
};

void eddy_recording_protocol_init(eddy_recording_protocol *p)
{
    memset(p, 0, sizeof *p);
    p->base.ops = &recording_ops;
}

void eddy_recording_protocol_release(eddy_recording_protocol *p)
{
    free(p->received);
    p->received = NULL;
    p->received_len = p->received_cap = 0;
}

const char *eddy_recording_protocol_received(const eddy_recording_protocol *p)
{
    return p->received ? p->received : "";
}

/* ---- the factory ----------------------------------------------------------------------------- */

static eddy_recording_factory *fac_of(eddy_factory *f)
{
    return (eddy_recording_factory *)f;
}

static eddy_protocol *fac_build(eddy_factory *f, const eddy_address *peer)
{
    eddy_recording_factory *rf = fac_of(f);
    rf->last_peer = *peer;
    if (rf->refuse)
        return NULL;
    if (rf->built == rf->cap) {
        size_t cap = rf->cap ? rf->cap * 2 : 4;
        eddy_recording_protocol **grown = realloc(rf->protocols, cap * sizeof *grown);
        if (!grown)
            return NULL;
        rf->protocols = grown;
        rf->cap = cap;
    }
    eddy_recording_protocol *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    eddy_recording_protocol_init(p);
    p->base.factory = f;
    rf->protocols[rf->built++] = p;
    return &p->base;
}

static void fac_start(eddy_factory *f)
{
    fac_of(f)->started++;
}

static void fac_stop(eddy_factory *f)
{
    fac_of(f)->stopped++;
}

static void fac_connecting(eddy_factory *f, eddy_connector *c)
{
    fac_of(f)->connecting++;
    fac_of(f)->last_connector = c;
}

static void fac_failed(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    eddy_recording_factory *rf = fac_of(f);
    rf->failed++;
    rf->failed_code = eddy_failure_code(why);
    rf->last_connector = c;
}

static void fac_lost(eddy_factory *f, eddy_connector *c, const eddy_failure *why)
{
    eddy_recording_factory *rf = fac_of(f);
    rf->client_lost++;
    rf->client_lost_code = eddy_failure_code(why);
    rf->last_connector = c;
}

static const eddy_factory_ops recording_factory_ops = {
    .build_protocol = fac_build,
    .start_factory = fac_start,
    .stop_factory = fac_stop,
    .started_connecting = fac_connecting,
    .client_connection_failed = fac_failed,
    .client_connection_lost = fac_lost,
};

void eddy_recording_factory_init(eddy_recording_factory *f)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &recording_factory_ops;
}

void eddy_recording_factory_release(eddy_recording_factory *f)
{
    for (size_t i = 0; i < f->built; i++) {
        eddy_recording_protocol_release(f->protocols[i]);
        free(f->protocols[i]);
    }
    free(f->protocols);
    f->protocols = NULL;
    f->built = f->cap = 0;
}

eddy_recording_protocol *eddy_recording_factory_protocol(const eddy_recording_factory *f, size_t i)
{
    return i < f->built ? f->protocols[i] : NULL;
}
