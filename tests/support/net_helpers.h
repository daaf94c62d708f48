/* net_helpers.h - what the net tests share: a protocol that records every event, a factory that
 * builds them, a TCP "pair" (an eddy server connection and a raw client socket on loopback), and
 * raw-socket helpers that keep the reactor turning while they wait. */
#ifndef EDDY_TEST_NET_HELPERS_H
#define EDDY_TEST_NET_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "eddy_test.h"

/** Letters for the event log: m(ade) d(ata) e(of) w(rite lost) l(ost). */
typedef struct rec_protocol rec_protocol;
struct rec_protocol {
    eddy_protocol base;        /* first */
    eddy_transport *transport; /* as given to connection_made */
    char events[64];           /* one letter per event, in order (data counted once per call) */
    size_t nevents;
    char *data; /* every byte received */
    size_t len, cap;
    int data_calls;
    bool made, eof, write_lost, lost;
    int lost_code; /* the reason's code, once lost */
    int lost_calls;
    size_t want;           /* for rec_has_bytes */
    bool keep_open_on_eof; /* what eof_received returns */
    bool free_on_lost;     /* free itself in connection_lost (then it is not in a factory) */
    bool *lost_flag;       /* set to true in connection_lost, if not NULL (outlives us) */
    int *lost_code_out;    /* gets the reason's code, if not NULL */
    /* Hooks run after recording (any may be NULL). */
    void (*on_made)(rec_protocol *p);
    void (*on_data)(rec_protocol *p, const void *data, size_t len);
    void (*on_lost)(rec_protocol *p);
    void *user; /* the test's; a factory-built free_on_lost protocol uses it */
};

/** A new recording protocol (calloc'ed; free with free() unless free_on_lost). */
rec_protocol *rec_new(void);
void rec_free(rec_protocol *p);

typedef struct rec_factory {
    eddy_factory base;       /* first */
    rec_protocol *built[64]; /* protocols it made, in order (owned: rec_factory_cleanup) */
    int nbuilt;
    bool refuse;                                   /* build_protocol returns NULL */
    bool keep_open_on_eof;                         /* copied into every protocol it builds */
    void (*configure)(rec_protocol *p, void *arg); /* run on each protocol it builds */
    void *configure_arg;
    int starts, stops;                           /* start_factory / stop_factory calls */
    int started_connecting, failed, client_lost; /* client callbacks */
    int failed_code, client_lost_code;
    bool failed_flag, client_lost_flag, lost_any; /* lost_any: some protocol lost */
    eddy_connector *connector;                    /* last connector seen in a callback */
    void (*on_failed)(struct rec_factory *f, eddy_connector *c);
    void (*on_client_lost)(struct rec_factory *f, eddy_connector *c);
} rec_factory;

void rec_factory_init(rec_factory *f);
/** Free every protocol it built. */
void rec_factory_cleanup(rec_factory *f);

/** The port number an eddy port listens on. */
int port_number(const eddy_port *p);
/** A connected non-blocking client socket to ip:port (connect completes in the backlog). */
int raw_connect(const char *ip, int port);

/** An eddy server connection and a raw client on loopback. */
typedef struct tcp_pair {
    eddy_reactor *r;
    rec_factory factory;
    eddy_port *port;
    int client;           /* raw, non-blocking */
    rec_protocol *server; /* the server side's protocol (factory.built[0]) */
    eddy_transport *t;    /* its transport */
} tcp_pair;

/** Reactor, listener on `ip` port 0, one accepted connection. `configure` (may be NULL) runs on
 * the server protocol before connection_made. */
void tcp_pair_open(tcp_pair *p, const char *ip, void (*configure)(rec_protocol *, void *),
                   void *arg);
/** Close the client (if open), wait for the server side to be lost if it is not yet, free all. */
void tcp_pair_close(tcp_pair *p);

/** Read from a raw socket, iterating `r`, until `want` bytes or EOF/error or the bound.
 * Returns the bytes read; *eof (may be NULL) says whether EOF or an error ended it. */
size_t raw_read(eddy_reactor *r, int fd, char *buf, size_t want, bool *eof);
/** Write all of `len` bytes to a raw socket, iterating `r` while it is full. */
void raw_write(eddy_reactor *r, int fd, const void *data, size_t len);
/** Iterate until the raw socket reports EOF (read 0) or an error; returns -errno or 0 (EOF).
 * Data read on the way is thrown away. */
int raw_wait_closed(eddy_reactor *r, int fd);
/** Close a raw socket with an RST (SO_LINGER 0). */
void raw_reset(int fd);

/** Predicates for test_iterate_until_fn. */
bool rec_lost(void *p);
bool rec_has_bytes(void *p); /* p->len >= p->want */

/** Fill `buf` with a recognisable pattern starting at `seed`. */
void fill_pattern(char *buf, size_t len, unsigned seed);

/** True if this machine can bind ::1. */
bool have_ipv6(void);

#endif
