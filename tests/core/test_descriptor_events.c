/* Readers and writers within a batch of events: no stale event after a removal or an fd reuse,
 * what the backends cannot watch, handlers that add or remove descriptors, fairness. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(descriptor_events, .timeout = 10);

/* ---- stale events --------------------------------------------------------------------------- */

/* Two readers, both readable in the same batch. Whichever runs first does `act` to the other. */
struct rival {
    test_desc d;
    struct rival *other;
    struct stale_case *c;
};

struct stale_case {
    eddy_reactor *r;
    int first_reads_of_other; /* the other's reads when the first handler acted */
    bool acted;
    bool close_and_reuse;
    int reused_fd;
    int fresh_peer;
    test_desc fresh; /* the reader that took over the reused fd number */
};

static void act_on_rival(test_desc *t)
{
    struct rival *me = (struct rival *)t;
    struct stale_case *c = me->c;
    if (c->acted)
        return;
    c->acted = true;
    test_desc *victim = &me->other->d;
    cr_assert_eq(eddy_reactor_remove_reader(c->r, &victim->base), 0);
    if (!c->close_and_reuse)
        return;
    int old = victim->base.fd;
    int sv[2];
    test_socketpair(sv); /* made while `old` is still open, so it cannot take that number */
    close(old);
    cr_assert_eq(dup2(sv[0], old), old, "reuse the closed number");
    close(sv[0]);
    c->reused_fd = old;
    c->fresh_peer = sv[1];
    test_desc_init(&c->fresh, c->r, old);
    cr_assert_eq(eddy_reactor_add_reader(c->r, &c->fresh.base), 0);
}

static void run_stale_case(bool close_and_reuse)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    struct stale_case c = {.r = r, .close_and_reuse = close_and_reuse, .fresh_peer = -1};
    struct rival ra, rb;
    test_desc_init(&ra.d, r, a[0]);
    test_desc_init(&rb.d, r, b[0]);
    ra.other = &rb, rb.other = &ra;
    ra.c = rb.c = &c;
    ra.d.drain = rb.d.drain = false; /* both stay readable */
    ra.d.on_read = rb.d.on_read = act_on_rival;
    eddy_reactor_add_reader(r, &ra.d.base);
    eddy_reactor_add_reader(r, &rb.d.base);
    test_iterate_n(r, 1);
    test_write_byte(a[1]);
    test_write_byte(b[1]);
    cr_assert_eq(eddy_reactor_iterate(r, 1), 0); /* both ready: one batch */
    cr_assert(c.acted, "neither reader ran");
    cr_assert_eq(ra.d.reads + rb.d.reads, 1, "the removed reader got the batch's event");
    test_iterate_n(r, 3);
    struct rival *first = ra.d.reads ? &ra : &rb;
    cr_assert_eq(first->other->d.reads, 0, "a removed reader was called later");
    if (close_and_reuse) {
        cr_assert_eq(c.fresh.reads, 0, "the new reader of the reused fd got a stale event");
        test_write_byte(c.fresh_peer);
        test_iterate_until_fn(r, test_desc_has_read, &c.fresh, 20);
        close(c.fresh_peer);
    }
    eddy_reactor_free(r);
    test_close_pair(a); /* in the reuse case one of a[0]/b[0] is the reused number */
    test_close_pair(b);
}

Test(descriptor_events, reader_removed_by_another_handler_gets_no_event_from_the_same_batch)
{
    run_stale_case(false);
}

Test(descriptor_events, fd_closed_and_reused_by_another_handler_gets_no_stale_event)
{
    run_stale_case(true);
}

/* ---- what the backends cannot watch ---------------------------------------------------------- */

Test(descriptor_events, regular_file_reader_is_always_ready)
{
    eddy_reactor *r = test_reactor_new();
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs("contents", f);
    fflush(f);
    test_desc d;
    test_desc_init(&d, r, fileno(f));
    d.drain = false;
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    /* With a file always ready, iterate must not block: 30 s would pass the suite's timeout. */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 30), 0);
    cr_assert_geq(d.reads, 2);
    cr_assert_eq(d.lost, 0, "a file is not a backend error");
    eddy_reactor_remove_reader(r, &d.base);
    int reads = d.reads;
    test_iterate_n(r, 2);
    cr_assert_eq(d.reads, reads);
    eddy_reactor_free(r);
    fclose(f);
}

Test(descriptor_events, regular_file_writer_is_always_ready)
{
    eddy_reactor *r = test_reactor_new();
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    test_desc d;
    test_desc_init(&d, r, fileno(f));
    cr_assert_eq(eddy_reactor_add_writer(r, &d.base), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 30), 0);
    cr_assert_geq(d.writes, 2);
    cr_assert_eq(d.lost, 0);
    eddy_reactor_free(r);
    fclose(f);
}

Test(descriptor_events, fd_that_is_not_open_ends_in_connection_lost)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_close_pair(sv); /* sv[0] is now a number nobody uses */
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.drain = false;
    d.on_read = test_desc_read_like_a_transport;
    int rc = eddy_reactor_add_reader(r, &d.base);
    cr_assert_eq(rc, 0, "the backend's refusal comes through connection_lost, not add_reader");
    test_iterate_until_fn(r, test_desc_is_lost, &d, 20);
    cr_assert_eq(d.lost, 1);
    cr_assert_eq(d.lost_code, -EBADF);
    cr_assert_not(test_is_reader(r, &d.base));
    eddy_reactor_free(r);
}

/* A socket moved to a descriptor number >= FD_SETSIZE, or -1 if the limit cannot be raised. */
static int high_fd(int fd)
{
    int target = FD_SETSIZE + 100;
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur <= (rlim_t)target) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)target)
            return -1;
        rl.rlim_cur = (rlim_t)target + 1;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return -1;
    }
    cr_assert_eq(dup2(fd, target), target);
    return target;
}

Test(descriptor_events, fd_above_fd_setsize_is_refused_by_select_and_watched_by_the_others)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    int fd = high_fd(sv[0]);
    if (fd < 0) {
        eddy_reactor_free(r);
        test_close_pair(sv);
        cr_skip_test("cannot raise RLIMIT_NOFILE above FD_SETSIZE");
    }
    test_desc d;
    test_desc_init(&d, r, fd);
    bool is_select = strcmp(eddy_reactor_backend_name(r), "select") == 0;
    int rc = eddy_reactor_add_reader(r, &d.base);
    if (is_select) {
        cr_assert_eq(rc, EDDY_EFDLIMIT);
        cr_assert_eq(eddy_reactor_add_writer(r, &d.base), EDDY_EFDLIMIT);
        cr_assert_eq(test_count_readers(r) + test_count_writers(r), 0);
        /* the reactor still works for the fds it can watch */
        test_desc low;
        test_desc_init(&low, r, sv[0]);
        cr_assert_eq(eddy_reactor_add_reader(r, &low.base), 0);
        test_write_byte(sv[1]);
        test_iterate_until_fn(r, test_desc_has_read, &low, 20);
        cr_assert_eq(d.reads + d.lost, 0);
    } else {
        cr_assert_eq(rc, 0);
        test_write_byte(sv[1]);
        test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    }
    eddy_reactor_free(r);
    close(fd);
    test_close_pair(sv);
}

Test(descriptor_events, more_always_ready_files_than_one_poll_reports_all_get_their_turn)
{
    /* epoll refuses regular files, so the reactor reports them itself after what the backend
     * gives; a poll reports at most 1024 events. */
    eddy_reactor *r = test_reactor_new();
    if (strcmp(eddy_reactor_backend_name(r), "epoll") != 0) {
        eddy_reactor_free(r);
        cr_skip_test("only epoll keeps its own list of always-ready files");
    }
    enum { N = 1100 };
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < N + 64) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > N + 64 ? N + 64 : rl.rlim_max;
        if (rl.rlim_cur < N + 64 || setrlimit(RLIMIT_NOFILE, &rl) < 0) {
            eddy_reactor_free(r);
            cr_skip_test("cannot raise RLIMIT_NOFILE to %d", N + 64);
        }
    }
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    test_desc *d = calloc(N, sizeof *d);
    for (int i = 0; i < N; i++) {
        int fd = dup(fileno(f));
        cr_assert_geq(fd, 0);
        test_desc_init(&d[i], r, fd);
        d[i].drain = false;
        cr_assert_eq(eddy_reactor_add_reader(r, &d[i].base), 0);
    }
    for (int i = 0; i < 3; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0), 0);
    for (int i = 0; i < N; i++)
        cr_assert_gt(d[i].reads, 0, "file %d of %d never got a turn", i, N);
    eddy_reactor_free(r);
    for (int i = 0; i < N; i++)
        close(d[i].base.fd);
    free(d);
    fclose(f);
}

/* ---- handlers that add descriptors ---------------------------------------------------------- */

struct adder {
    test_desc d;
    test_desc *newcomer;
};

static void add_newcomer(test_desc *t)
{
    struct adder *a = (struct adder *)t;
    cr_assert_eq(eddy_reactor_add_reader(t->r, &a->newcomer->base), 0);
}

Test(descriptor_events, reader_added_by_a_handler_is_watched)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    test_desc newcomer;
    test_desc_init(&newcomer, r, b[0]);
    struct adder ad = {.newcomer = &newcomer};
    test_desc_init(&ad.d, r, a[0]);
    ad.d.on_read = add_newcomer;
    eddy_reactor_add_reader(r, &ad.d.base);
    test_write_byte(a[1]);
    test_iterate_until_fn(r, test_desc_has_read, &ad.d, 20);
    test_write_byte(b[1]);
    test_iterate_until_fn(r, test_desc_has_read, &newcomer, 20);
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}

/* ---- more than one batch, and ending the batch early ---------------------------------------- */

static void remove_everything(test_desc *t)
{
    eddy_descriptor **removed = NULL;
    size_t n = 0;
    cr_assert_eq(eddy_reactor_remove_all(t->r, &removed, &n), 0);
    free(removed);
}

Test(descriptor_events, remove_all_from_a_handler_cancels_the_rest_of_the_batch)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    test_desc da, db;
    test_desc_init(&da, r, a[0]);
    test_desc_init(&db, r, b[0]);
    da.on_read = db.on_read = remove_everything;
    eddy_reactor_add_reader(r, &da.base);
    eddy_reactor_add_reader(r, &db.base);
    test_iterate_n(r, 1);
    test_write_byte(a[1]);
    test_write_byte(b[1]);
    cr_assert_eq(eddy_reactor_iterate(r, 1), 0);
    test_iterate_n(r, 2);
    cr_assert_eq(da.reads + db.reads, 1, "a reader removed by remove_all was still called");
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}

static void crash_in_read(test_desc *t)
{
    eddy_reactor_crash(t->r);
}

Test(descriptor_events, crash_in_a_read_handler_skips_the_rest_of_the_batch)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    test_desc da, db;
    test_desc_init(&da, r, a[0]);
    test_desc_init(&db, r, b[0]);
    da.drain = db.drain = false;
    da.on_read = db.on_read = crash_in_read;
    eddy_reactor_add_reader(r, &da.base);
    eddy_reactor_add_reader(r, &db.base);
    test_write_byte(a[1]);
    test_write_byte(b[1]);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(da.reads + db.reads, 1, "handlers ran after crash");
    cr_assert_eq(da.lost + db.lost, 0, "crash disconnects nothing");
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}

Test(descriptor_events, descriptor_whose_fd_became_minus_one_is_disconnected_on_its_next_event)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1);
    d.base.fd = -1; /* "already closed", while the reactor still watches the number */
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_is_lost, &d, 20);
    cr_assert_eq(d.reads, 0, "do_read was called with fd -1");
    cr_assert_eq(d.lost, 1);
    cr_assert_not(test_is_reader(r, &d.base));
    test_iterate_n(r, 2);
    cr_assert_eq(d.lost, 1);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

static bool every_reader_called(void *arg)
{
    test_desc **all = arg;
    for (size_t i = 0; all[i]; i++)
        if (all[i]->reads == 0)
            return false;
    return true;
}

Test(descriptor_events, busy_descriptors_do_not_starve_the_others)
{
    /* More ready descriptors than one poll returns, none of them ever drained: each must still
     * get its turn. select cannot watch that many, so it gets as many as FD_SETSIZE allows. */
    eddy_reactor *r = test_reactor_new();
    bool is_select = strcmp(eddy_reactor_backend_name(r), "select") == 0;
    size_t n = is_select ? 450 : 1500;
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 2 * n + 64) {
        rl.rlim_cur = 2 * n + 64;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur) {
            eddy_reactor_free(r);
            cr_skip_test("RLIMIT_NOFILE too low");
        }
        cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    int(*pairs)[2] = calloc(n, sizeof *pairs);
    test_desc *descs = calloc(n, sizeof *descs);
    test_desc **all = calloc(n + 1, sizeof *all);
    cr_assert(pairs && descs && all);
    for (size_t i = 0; i < n; i++) {
        test_socketpair(pairs[i]);
        test_desc_init(&descs[i], r, pairs[i][0]);
        descs[i].drain = false;
        all[i] = &descs[i];
        cr_assert_eq(eddy_reactor_add_reader(r, &descs[i].base), 0);
        test_write_byte(pairs[i][1]);
    }
    test_iterate_until_fn(r, every_reader_called, all, 10);
    eddy_reactor_free(r);
    for (size_t i = 0; i < n; i++)
        test_close_pair(pairs[i]);
    free(pairs);
    free(descs);
    free(all);
}

/* ---- the shutdown sweep ---------------------------------------------------------------------- */

/* A descriptor that owns another: losing it removes and frees the other, as a transport that owns
 * its port might. */
struct owner {
    eddy_descriptor desc;
    eddy_reactor *r;
    eddy_descriptor *owned; /* malloc'd, freed in our connection_lost */
    int lost;
};

static int never_ready(eddy_descriptor *d)
{
    return 0;
}

static void owned_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    cr_assert_fail("a descriptor removed and freed earlier in the sweep must not be called");
}

static void owner_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    struct owner *o = (struct owner *)d;
    o->lost++;
    if (o->owned) {
        eddy_reactor_remove_reader(o->r, o->owned);
        free(o->owned);
        o->owned = NULL;
    }
}

static const eddy_descriptor_ops owner_ops = {.do_read = never_ready,
                                              .connection_lost = owner_lost};
static const eddy_descriptor_ops owned_ops = {.do_read = never_ready,
                                              .connection_lost = owned_lost};

static void stop_now(void *arg)
{
    eddy_reactor_stop(arg);
}

Test(descriptor_events, shutdown_skips_a_descriptor_freed_by_an_earlier_connection_lost)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    /* the owned descriptor gets the lower fd so that the sweep would reach it second either way:
     * whichever comes first, the owner frees the other one */
    eddy_descriptor *owned = malloc(sizeof *owned);
    *owned = (eddy_descriptor){.ops = &owned_ops, .fd = b[0]};
    struct owner o = {.desc = {.ops = &owner_ops, .fd = a[0]}, .r = r, .owned = owned};
    cr_assert_eq(eddy_reactor_add_reader(r, owned), 0);
    cr_assert_eq(eddy_reactor_add_reader(r, &o.desc), 0);
    if (a[0] > b[0]) { /* make the owner come first in fd order */
        int t = o.desc.fd;
        o.desc.fd = owned->fd;
        owned->fd = t;
    }
    eddy_reactor_remove_all(r, NULL, NULL);
    cr_assert_eq(eddy_reactor_add_reader(r, &o.desc), 0);
    cr_assert_eq(eddy_reactor_add_reader(r, owned), 0);
    eddy_call_later(r, 0, stop_now, r);
    cr_assert_eq(eddy_reactor_run(r), 0);
    cr_assert_eq(o.lost, 1);
    cr_assert_null(o.owned);
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}
