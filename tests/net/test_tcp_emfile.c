/* test_tcp_emfile.c - running out of descriptors while accepting: the port pauses with back-off
 * (never spins, never closes) and resumes when descriptors are free. Once through the syscall
 * seam with a fake clock (exact), once for real with a low RLIMIT_NOFILE. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "net_helpers.h"

TestSuite(tcp_emfile, .timeout = 30);

static bool fail_accept;
static int accept_calls;

static int accept4_emfile(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    accept_calls++;
    if (fail_accept) {
        errno = EMFILE;
        return -1;
    }
    return eddy_syscalls_default()->accept4(fd, addr, len, flags);
}

static void install_seam(void)
{
    eddy_syscalls table = *eddy_syscalls_default();
    table.accept4 = accept4_emfile;
    eddy_syscalls_set(&table);
}

static void iterate_n(eddy_reactor *r, int n, double wait)
{
    for (int i = 0; i < n; i++)
        cr_assert_eq(eddy_reactor_iterate(r, wait), 0);
}

/* A listener on a fake clock whose accept4 fails with EMFILE, and a client waiting for it. */
typedef struct starved {
    eddy_fake_clock *clock;
    eddy_reactor *r;
    rec_factory f;
    eddy_port *port;
    int client;
} starved;

static void starved_open(starved *st)
{
    st->r = test_reactor_new_fake(&st->clock);
    rec_factory_init(&st->f);
    cr_assert_eq(eddy_listen_tcp(st->r, 0, &st->f.base,
                                 &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &st->port),
                 0);
    install_seam();
    fail_accept = true;
    st->client = raw_connect("127.0.0.1", port_number(st->port));
}

static void starved_close(starved *st)
{
    close(st->client);
    eddy_syscalls_set(NULL);
    eddy_port_free(st->port);
    eddy_reactor_free(st->r);
    eddy_fake_clock_free(st->clock);
    rec_factory_cleanup(&st->f);
}

Test(tcp_emfile, emfile_pauses_accepting_with_doubling_back_off_and_keeps_listening)
{
    starved st;
    starved_open(&st);
    eddy_reactor *r = st.r;
    eddy_port *port = st.port;
    rec_factory *f = &st.f;
    iterate_n(r, 20, 0.01);
    cr_assert_eq(accept_calls, 1, "one try, then the listener is not watched: no spinning");
    cr_assert(eddy_port_listening(port));
    /* 10 ms later it tries again, fails, and waits 20 ms. */
    eddy_reactor_advance(r, 0.010);
    iterate_n(r, 5, 0.01);
    cr_assert_eq(accept_calls, 2);
    eddy_reactor_advance(r, 0.015);
    iterate_n(r, 5, 0.01);
    cr_assert_eq(accept_calls, 2, "not before 20 ms");
    eddy_reactor_advance(r, 0.005);
    iterate_n(r, 5, 0.01);
    cr_assert_eq(accept_calls, 3);
    /* The pause never grows past 500 ms. */
    for (int i = 0; i < 8; i++) {
        eddy_reactor_advance(r, 0.5);
        iterate_n(r, 3, 0.01);
    }
    int before = accept_calls;
    eddy_reactor_advance(r, 0.5);
    iterate_n(r, 3, 0.01);
    cr_assert_eq(accept_calls, before + 1, "at most 500 ms between tries");
    /* Descriptors are free again: the waiting client is accepted. */
    fail_accept = false;
    eddy_reactor_advance(r, 0.5);
    for (int i = 0; i < 100 && f->nbuilt == 0; i++)
        iterate_n(r, 1, 0.01);
    cr_assert_eq(f->nbuilt, 1);
    close(st.client);
    st.client = -1;
    test_iterate_until_fn(r, rec_lost, f->built[0], 200);
    starved_close(&st);
}

Test(tcp_emfile, a_successful_accept_resets_the_back_off)
{
    starved st;
    starved_open(&st);
    eddy_reactor *r = st.r;
    eddy_port *port = st.port;
    rec_factory *f = &st.f;
    iterate_n(r, 3, 0.01);
    for (int i = 0; i < 6; i++) { /* back-off grows to 320 ms */
        eddy_reactor_advance(r, 0.5);
        iterate_n(r, 3, 0.01);
    }
    fail_accept = false;
    eddy_reactor_advance(r, 0.5);
    for (int i = 0; i < 100 && f->nbuilt == 0; i++)
        iterate_n(r, 1, 0.01);
    cr_assert_eq(f->nbuilt, 1);
    /* A new shortage starts again at 10 ms. */
    fail_accept = true;
    int b = raw_connect("127.0.0.1", port_number(port));
    iterate_n(r, 5, 0.01);
    int before = accept_calls;
    eddy_reactor_advance(r, 0.010);
    iterate_n(r, 3, 0.01);
    cr_assert_eq(accept_calls, before + 1);
    fail_accept = false;
    eddy_reactor_advance(r, 0.1);
    for (int i = 0; i < 100 && f->nbuilt < 2; i++)
        iterate_n(r, 1, 0.01);
    cr_assert_eq(f->nbuilt, 2);
    close(st.client);
    st.client = -1;
    close(b);
    test_iterate_until_fn(r, rec_lost, f->built[0], 200);
    test_iterate_until_fn(r, rec_lost, f->built[1], 200);
    starved_close(&st);
}

Test(tcp_emfile, reactor_shutdown_closes_a_port_paused_for_lack_of_descriptors)
{
    starved st;
    starved_open(&st);
    iterate_n(st.r, 3, 0.01);
    cr_assert_eq(accept_calls, 1, "paused: the reactor no longer watches the listener");
    eddy_reactor_fire_system_event(st.r, "shutdown"); /* what stop() leads to */
    cr_assert_not(eddy_port_listening(st.port), "shutdown closes paused ports too");
    cr_assert_eq(eddy_port_fileno(st.port), -1);
    cr_assert_eq(st.f.stops, 1);
    cr_assert_eq(eddy_reactor_pending_calls(st.r), 0, "no retry left scheduled");
    eddy_port_free(st.port);
    st.port = NULL;
    cr_assert_eq(st.f.stops, 1, "freeing the closed port does not stop the factory again");
    starved_close(&st);
}

Test(tcp_emfile, a_real_descriptor_shortage_pauses_and_recovers)
{
    eddy_reactor *r = test_reactor_new();
    rec_factory f;
    rec_factory_init(&f);
    eddy_port *port;
    cr_assert_eq(
        eddy_listen_tcp(r, 0, &f.base, &(eddy_tcp_listen_options){.interface = "127.0.0.1"}, &port),
        0);
    install_seam(); /* pass-through, to count the tries */
    struct rlimit saved, low;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = 64;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fillers[64], nfill = 0;
    int d;
    while (nfill < 64 && (d = dup(0)) >= 0)
        fillers[nfill++] = d;
    cr_assert_eq(errno, EMFILE, "the table is full");
    cr_assert_gt(nfill, 1);
    close(fillers[--nfill]); /* room for exactly the client's socket */
    int client = raw_connect("127.0.0.1", port_number(port));
    iterate_n(r, 30, 0.01);
    cr_assert_eq(f.nbuilt, 0, "nothing could be accepted");
    cr_assert(eddy_port_listening(port), "the listener survives");
    cr_assert_lt(accept_calls, 15, "tries are paced, not spun (%d)", accept_calls);
    close(fillers[--nfill]);
    for (int i = 0; i < 200 && f.nbuilt == 0; i++)
        iterate_n(r, 1, 0.01);
    cr_assert_eq(f.nbuilt, 1, "accepted once a descriptor was free");
    while (nfill > 0)
        close(fillers[--nfill]);
    setrlimit(RLIMIT_NOFILE, &saved);
    close(client);
    test_iterate_until_fn(r, rec_lost, f.built[0], 200);
    eddy_syscalls_set(NULL);
    eddy_port_free(port);
    eddy_reactor_free(r);
    rec_factory_cleanup(&f);
}
