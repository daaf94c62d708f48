/* memory_reactor_internal.h - the memory reactor's insides, shared by memory_reactor.c (records,
 * listening) and memory_connect.c (connectors). */
#ifndef EDDY_TESTING_MEMORY_REACTOR_INTERNAL_H
#define EDDY_TESTING_MEMORY_REACTOR_INTERNAL_H

#include "eddy/testing.h"

typedef struct eddy__mem_connector eddy__mem_connector;

/* A listen record and the port handle it gave out. */
typedef struct eddy__listen_rec {
    eddy_memory_listen pub;   /* first: what the accessors return */
    eddy_listening_port port; /* the handle given out; ops find the record from it */
    size_t index;             /* position in mr->listens */
    char *path;               /* owned copy of pub.path */
    char *interface;          /* owned copy of pub.tcp.interface */
} eddy__listen_rec;

/* A connection attempt. */
typedef struct eddy__connect_rec {
    eddy_memory_connect pub; /* first: what the accessors return */
    char *host;              /* owned copy of pub.host */
    char *path;              /* owned copy of pub.path */
} eddy__connect_rec;

struct eddy_memory_reactor {
    eddy_fake_clock *clock;
    eddy_reactor *reactor;      /* a real reactor on `clock` */
    eddy__listen_rec **listens; /* records, in order (pointers stay valid) */
    size_t nlistens, caplistens;
    eddy__connect_rec **connects; /* attempts, in order */
    size_t nconnects, capconnects;
    eddy__mem_connector **connectors; /* every connector handed out, freed with the reactor */
    size_t nconnectors, capconnectors;
    int listen_error;  /* set_errors: fail listens with this, or 0 */
    int connect_error; /* set_errors: fail connects with this, or 0 */
};

/* Grow an array of pointers by one slot. Errors: -ENOMEM. */
int eddy__mem_push(void ***items, size_t *n, size_t *cap, void *item);
/* Fill `out` with an IP literal (0.0.0.0 if empty or not a literal) and port. */
void eddy__mem_ip_address(eddy_address *out, const char *ip, int port);
/* Fill `out` with a Unix address ("@name" is abstract). */
void eddy__mem_unix_address(eddy_address *out, const char *path);
/* Free every connector (memory_connect.c). */
void eddy__mem_free_connectors(eddy_memory_reactor *mr);
/* The network's connector calls for memory connectors (memory_connect.c). A connector that is
 * not one of `mr`'s is ignored (-EINVAL for connect). */
int eddy__mem_connector_connect(eddy_memory_reactor *mr, eddy_connector *c);
void eddy__mem_connector_stop_connecting(eddy_memory_reactor *mr, eddy_connector *c);
void eddy__mem_connector_disconnect(eddy_memory_reactor *mr, eddy_connector *c);
void eddy__mem_connector_free(eddy_memory_reactor *mr, eddy_connector *c);

#endif
