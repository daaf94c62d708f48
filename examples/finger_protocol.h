/* finger_protocol.h - the finger protocol of docs/tutorial.md (Twisted's finger tutorial, in C).
 *
 * A client sends one user name and a CRLF; the server answers with what it knows of that user and
 * closes. The factory holds the user table, shared by every connection. Used by
 * examples/fingerd.c and tested with the testing kit in tests/app/test_fingerd.c. */
#ifndef FINGER_PROTOCOL_H
#define FINGER_PROTOCOL_H

#include <eddy.h>
#include <stdlib.h>
#include <string.h>

/* The shared state: a table of users. */
typedef struct finger_user {
    const char *name;
    const char *status;
} finger_user;

typedef struct finger_factory {
    eddy_factory base; /* first, so &f->base is the factory */
    const finger_user *users;
    size_t nusers;
} finger_factory;

/* One connection: a line receiver that knows its factory. */
typedef struct finger_protocol {
    eddy_line_receiver lr; /* first: the protocol */
    finger_factory *factory;
} finger_protocol;

static const char *finger_lookup(const finger_factory *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->nusers; i++)
        if (strlen(f->users[i].name) == len && memcmp(f->users[i].name, name, len) == 0)
            return f->users[i].status;
    return "No such user";
}

static void finger_line_received(eddy_line_receiver *lr, const char *line, size_t len)
{
    finger_protocol *p = (finger_protocol *)lr;
    const char *status = finger_lookup(p->factory, line, len);
    eddy_line_receiver_send_line(lr, status, strlen(status));
    eddy_transport_lose_connection(lr->base.protocol.transport);
}

static void finger_connection_lost(eddy_line_receiver *lr, const eddy_failure *reason)
{
    (void)reason;
    free(lr); /* the receiver freed its buffers already: the struct is ours to free */
}

static const eddy_line_receiver_ops finger_ops = {
    .line_received = finger_line_received,
    .connection_lost = finger_connection_lost,
};

static eddy_protocol *finger_build_protocol(eddy_factory *base, const eddy_address *peer)
{
    (void)peer;
    finger_protocol *p = calloc(1, sizeof *p);
    if (!p)
        return NULL; /* refuse the connection */
    eddy_line_receiver_init(&p->lr, &finger_ops);
    p->lr.max_length = 256; /* nobody's name is longer; longer lines drop the connection */
    p->factory = (finger_factory *)base;
    return &p->lr.base.protocol;
}

static const eddy_factory_ops finger_factory_ops = {.build_protocol = finger_build_protocol};

static inline void finger_factory_init(finger_factory *f, const finger_user *users, size_t n)
{
    *f = (finger_factory){.base = {.ops = &finger_factory_ops}, .users = users, .nusers = n};
}

#endif
