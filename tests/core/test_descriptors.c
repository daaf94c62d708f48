/* Readers and writers: readiness, adding and removing, errors from handlers, lifetimes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(descriptors, .timeout = 10);

/* ---- basic readiness ------------------------------------------------------------------------ */

Test(descriptors, reader_is_called_when_its_socket_becomes_readable)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_iterate_n(r, 3);
    cr_assert_eq(d.reads, 0, "called before anything was written");
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    cr_assert_eq(d.lost, 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, reader_is_called_when_its_pipe_becomes_readable)
{
    eddy_reactor *r = test_reactor_new();
    int p[2];
    test_pipe(p);
    test_desc d;
    test_desc_init(&d, r, p[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_iterate_n(r, 2);
    cr_assert_eq(d.reads, 0);
    test_write_byte(p[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    eddy_reactor_free(r);
    test_close_pair(p);
}

Test(descriptors, writer_is_called_while_its_pipe_is_writable)
{
    eddy_reactor *r = test_reactor_new();
    int p[2];
    test_pipe(p);
    test_desc d;
    test_desc_init(&d, r, p[1]);
    cr_assert_eq(eddy_reactor_add_writer(r, &d.base), 0);
    test_iterate_until_fn(r, test_desc_has_written, &d, 20);
    cr_assert_eq(d.reads, 0, "a writer's do_read is never called");
    eddy_reactor_free(r);
    test_close_pair(p);
}

Test(descriptors, writer_of_a_full_pipe_waits_until_it_drains)
{
    eddy_reactor *r = test_reactor_new();
    int p[2];
    test_pipe(p);
    char block[4096] = {0};
    while (write(p[1], block, sizeof block) > 0)
        ;
    cr_assert_eq(errno, EAGAIN);
    test_desc d;
    test_desc_init(&d, r, p[1]);
    eddy_reactor_add_writer(r, &d.base);
    test_iterate_n(r, 3);
    cr_assert_eq(d.writes, 0, "called while the pipe was full");
    while (read(p[0], block, sizeof block) > 0)
        ;
    test_iterate_until_fn(r, test_desc_has_written, &d, 20);
    eddy_reactor_free(r);
    test_close_pair(p);
}

Test(descriptors, readers_are_level_triggered)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.drain = false; /* leave the byte there */
    eddy_reactor_add_reader(r, &d.base);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    int before = d.reads;
    test_iterate_n(r, 3);
    cr_assert_eq(d.reads, before + 3, "called again on every iteration while data is waiting");
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, reader_sees_the_peer_close_as_a_clean_end)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.drain = false;
    d.on_read = test_desc_read_like_a_transport;
    eddy_reactor_add_reader(r, &d.base);
    close(sv[1]);
    test_iterate_until_fn(r, test_desc_is_lost, &d, 20);
    cr_assert_eq(d.lost, 1);
    cr_assert_eq(d.lost_code, EDDY_ECONNDONE);
    eddy_reactor_free(r);
    close(sv[0]);
}

Test(descriptors, one_object_can_read_and_write)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    cr_assert_eq(eddy_reactor_add_writer(r, &d.base), 0);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    test_iterate_until_fn(r, test_desc_has_written, &d, 20);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, different_objects_may_read_and_write_the_same_fd)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc reader, writer;
    test_desc_init(&reader, r, sv[0]);
    test_desc_init(&writer, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &reader.base), 0);
    cr_assert_eq(eddy_reactor_add_writer(r, &writer.base), 0);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &reader, 20);
    test_iterate_until_fn(r, test_desc_has_written, &writer, 20);
    cr_assert_eq(reader.writes, 0);
    cr_assert_eq(writer.reads, 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

/* ---- adding and removing -------------------------------------------------------------------- */

Test(descriptors, adding_the_same_reader_twice_is_a_no_op)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    cr_assert_eq(test_count_readers(r), 1);
    eddy_reactor_remove_reader(r, &d.base);
    cr_assert_eq(test_count_readers(r), 0, "one removal undoes both adds");
    test_write_byte(sv[1]);
    test_iterate_n(r, 3);
    cr_assert_eq(d.reads, 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, second_reader_on_the_same_fd_is_refused_with_eexist)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc first, second;
    test_desc_init(&first, r, sv[0]);
    test_desc_init(&second, r, sv[0]);
    cr_assert_eq(eddy_reactor_add_reader(r, &first.base), 0);
    cr_assert_eq(eddy_reactor_add_reader(r, &second.base), -EEXIST);
    cr_assert_eq(eddy_reactor_add_writer(r, &first.base), 0);
    cr_assert_eq(eddy_reactor_add_writer(r, &second.base), -EEXIST);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &first, 20);
    cr_assert_eq(second.reads + second.writes, 0, "the refused object is never called");
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, invalid_descriptors_are_refused_with_einval)
{
    eddy_reactor *r = test_reactor_new();
    static const eddy_descriptor_ops no_handlers = {0};
    test_desc negative;
    test_desc_init(&negative, r, -1);
    eddy_descriptor bare = {.ops = &no_handlers, .fd = 0};
    eddy_descriptor no_ops = {.ops = NULL, .fd = 0};
    cr_assert_eq(eddy_reactor_add_reader(r, NULL), -EINVAL);
    cr_assert_eq(eddy_reactor_add_writer(r, NULL), -EINVAL);
    cr_assert_eq(eddy_reactor_add_reader(r, &negative.base), -EINVAL);
    cr_assert_eq(eddy_reactor_add_reader(r, &bare), -EINVAL);
    cr_assert_eq(eddy_reactor_add_writer(r, &bare), -EINVAL);
    cr_assert_eq(eddy_reactor_add_reader(r, &no_ops), -EINVAL);
    cr_assert_eq(test_count_readers(r) + test_count_writers(r), 0);
    eddy_reactor_free(r);
}

Test(descriptors, removing_what_is_not_watched_is_not_an_error)
{
    eddy_reactor *r = test_reactor_new();
    test_desc d;
    test_desc_init(&d, r, 0);
    cr_assert_eq(eddy_reactor_remove_reader(r, &d.base), 0);
    cr_assert_eq(eddy_reactor_remove_writer(r, &d.base), 0);
    cr_assert_eq(eddy_reactor_remove_reader(r, NULL), 0);
    eddy_reactor_free(r);
}

Test(descriptors, removed_reader_is_not_called)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1); /* let the backend learn about it */
    cr_assert_eq(eddy_reactor_remove_reader(r, &d.base), 0);
    test_write_byte(sv[1]);
    test_iterate_n(r, 3);
    cr_assert_eq(d.reads, 0);
    cr_assert_eq(d.lost, 0, "removal is not a disconnection");
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, removing_the_writer_role_keeps_the_reader_role)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    eddy_reactor_add_writer(r, &d.base);
    test_iterate_until_fn(r, test_desc_has_written, &d, 20);
    eddy_reactor_remove_writer(r, &d.base);
    int writes = d.writes;
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    test_iterate_n(r, 2);
    cr_assert_eq(d.writes, writes);
    cr_assert(test_is_reader(r, &d.base));
    cr_assert_not(test_is_writer(r, &d.base));
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, descriptor_can_be_added_again_after_removal)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1);
    eddy_reactor_remove_reader(r, &d.base);
    test_iterate_n(r, 1);
    cr_assert_eq(eddy_reactor_add_reader(r, &d.base), 0);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, get_readers_and_get_writers_list_what_was_added)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    test_desc r1, r2, w1;
    test_desc_init(&r1, r, a[0]);
    test_desc_init(&r2, r, b[0]);
    test_desc_init(&w1, r, a[1]);
    eddy_reactor_add_reader(r, &r1.base);
    eddy_reactor_add_reader(r, &r2.base);
    eddy_reactor_add_writer(r, &w1.base);
    eddy_reactor_add_writer(r, &r1.base);
    cr_assert_eq(test_count_readers(r), 2, "the waker is not listed");
    cr_assert(test_is_reader(r, &r1.base));
    cr_assert(test_is_reader(r, &r2.base));
    cr_assert_eq(test_count_writers(r), 2);
    cr_assert(test_is_writer(r, &w1.base));
    cr_assert(test_is_writer(r, &r1.base));
    eddy_reactor_remove_reader(r, &r2.base);
    cr_assert_eq(test_count_readers(r), 1);
    cr_assert_not(test_is_reader(r, &r2.base));
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}

static bool array_has(eddy_descriptor **list, size_t n, const eddy_descriptor *d)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == d)
            return true;
    return false;
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

Test(descriptors, remove_all_returns_each_removed_object_once_and_keeps_the_waker)
{
    eddy_reactor *r = test_reactor_new();
    int a[2], b[2];
    test_socketpair(a);
    test_socketpair(b);
    test_desc both, reader, writer;
    test_desc_init(&both, r, a[0]);
    test_desc_init(&reader, r, b[0]);
    test_desc_init(&writer, r, a[1]);
    eddy_reactor_add_reader(r, &both.base);
    eddy_reactor_add_writer(r, &both.base);
    eddy_reactor_add_reader(r, &reader.base);
    eddy_reactor_add_writer(r, &writer.base);
    test_iterate_n(r, 1);
    eddy_descriptor **removed = NULL;
    size_t n = 0;
    cr_assert_eq(eddy_reactor_remove_all(r, &removed, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert(array_has(removed, n, &both.base));
    cr_assert(array_has(removed, n, &reader.base));
    cr_assert(array_has(removed, n, &writer.base));
    free(removed);
    cr_assert_eq(test_count_readers(r) + test_count_writers(r), 0);
    int calls = both.reads + both.writes + reader.reads + writer.writes;
    test_write_byte(a[1]);
    test_write_byte(b[1]);
    bool woke = false;
    cr_assert_eq(eddy_call_from_thread(r, set_flag, &woke), 0);
    test_iterate_until(r, &woke, 20);
    test_iterate_n(r, 2);
    cr_assert_eq(both.reads + both.writes + reader.reads + writer.writes, calls);
    cr_assert_eq(both.lost + reader.lost + writer.lost, 0, "removal is not a disconnection");
    eddy_reactor_free(r);
    test_close_pair(a);
    test_close_pair(b);
}

Test(descriptors, remove_all_of_nothing_returns_an_empty_list)
{
    eddy_reactor *r = test_reactor_new();
    eddy_descriptor **removed = NULL;
    size_t n = 99;
    cr_assert_eq(eddy_reactor_remove_all(r, &removed, &n), 0);
    cr_assert_eq(n, 0);
    free(removed);
    cr_assert_eq(eddy_reactor_remove_all(r, NULL, NULL), 0);
    eddy_reactor_free(r);
}

/* ---- errors from handlers ------------------------------------------------------------------- */

static void check_disconnected_once_with(int code, bool writer)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    if (writer)
        d.write_result = code;
    else
        d.read_result = code;
    eddy_reactor_add_reader(r, &d.base);
    eddy_reactor_add_writer(r, &d.base);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_is_lost, &d, 20);
    int calls = d.reads + d.writes;
    test_write_byte(sv[1]);
    test_iterate_n(r, 3);
    cr_assert_eq(d.lost, 1);
    cr_assert_eq(d.lost_code, code);
    cr_assert_eq(d.reads + d.writes, calls, "called after connection_lost");
    cr_assert_not(test_is_reader(r, &d.base));
    cr_assert_not(test_is_writer(r, &d.base));
    eddy_reactor_free(r);
    test_close_pair(sv);
}

Test(descriptors, read_error_disconnects_once_with_that_code)
{
    check_disconnected_once_with(-ECONNRESET, false);
}

Test(descriptors, write_error_disconnects_once_with_that_code)
{
    check_disconnected_once_with(-EPIPE, true);
}

Test(descriptors, connection_done_from_do_read_is_a_clean_close)
{
    check_disconnected_once_with(EDDY_ECONNDONE, false);
}

struct reason_seen {
    bool done, lost;
};

static void keep_reason(eddy_descriptor *d, const eddy_failure *reason)
{
    test_desc *t = (test_desc *)d;
    struct reason_seen *s = t->user;
    t->lost++;
    s->done = eddy_failure_is_connection_done(reason);
    s->lost = eddy_failure_is_connection_lost(reason);
}

static int fail_read(eddy_descriptor *d)
{
    return ((test_desc *)d)->read_result;
}

Test(descriptors, connection_lost_reason_tells_clean_close_from_lost_connection)
{
    static const eddy_descriptor_ops ops = {.do_read = fail_read, .connection_lost = keep_reason};
    int codes[] = {EDDY_ECONNDONE, EDDY_ECONNLOST, -ECONNRESET};
    for (int i = 0; i < 3; i++) {
        eddy_reactor *r = test_reactor_new();
        int sv[2];
        test_socketpair(sv);
        struct reason_seen seen = {0};
        test_desc d;
        test_desc_init(&d, r, sv[0]);
        d.base.ops = &ops;
        d.read_result = codes[i];
        d.user = &seen;
        eddy_reactor_add_reader(r, &d.base);
        test_write_byte(sv[1]);
        test_iterate_until_fn(r, test_desc_is_lost, &d, 20);
        cr_assert_eq(seen.done, codes[i] == EDDY_ECONNDONE);
        cr_assert_eq(seen.lost, codes[i] != EDDY_ECONNDONE);
        eddy_reactor_free(r);
        test_close_pair(sv);
    }
}

/* An object on the heap that frees itself in connection_lost, as transports do. */
struct self_freeing {
    eddy_descriptor base;
    int *lost;
};

static int self_freeing_read(eddy_descriptor *d)
{
    (void)d;
    return -ECONNRESET;
}

static int self_freeing_write(eddy_descriptor *d)
{
    (void)d;
    return 0;
}

static void self_freeing_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    struct self_freeing *s = (struct self_freeing *)d;
    (void)reason;
    ++*s->lost;
    free(s);
}

Test(descriptors, object_may_free_itself_in_connection_lost)
{
    /* Readable and writable in the same event: after the failed read frees the object, the
     * reactor must not touch it again (ASan reports a use after free if it does). */
    static const eddy_descriptor_ops ops = {.do_read = self_freeing_read,
                                            .do_write = self_freeing_write,
                                            .connection_lost = self_freeing_lost};
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    int lost = 0;
    struct self_freeing *s = malloc(sizeof *s);
    cr_assert_not_null(s);
    *s = (struct self_freeing){.base = {.ops = &ops, .fd = sv[0]}, .lost = &lost};
    eddy_reactor_add_reader(r, &s->base);
    eddy_reactor_add_writer(r, &s->base);
    test_write_byte(sv[1]);
    for (int i = 0; i < 20 && !lost; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    test_iterate_n(r, 2);
    cr_assert_eq(lost, 1);
    cr_assert_eq(test_count_readers(r) + test_count_writers(r), 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

static void remove_self(test_desc *t)
{
    eddy_reactor_remove_reader(t->r, &t->base);
    eddy_reactor_remove_writer(t->r, &t->base);
}

Test(descriptors, handler_may_remove_itself_inside_do_read)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.drain = false;
    d.on_read = remove_self;
    eddy_reactor_add_reader(r, &d.base);
    eddy_reactor_add_writer(r, &d.base);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    int writes = d.writes;
    test_iterate_n(r, 3);
    cr_assert_eq(d.reads, 1, "called again after removing itself (the byte is still there)");
    cr_assert_eq(d.writes, writes, "write handler called after removal in do_read");
    cr_assert_eq(d.lost, 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

static void remove_own_writer(test_desc *t)
{
    eddy_reactor_remove_writer(t->r, &t->base);
}

Test(descriptors, writer_removed_by_do_read_gets_no_write_event_from_the_same_batch)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.on_read = remove_own_writer;
    eddy_reactor_add_reader(r, &d.base);
    eddy_reactor_add_writer(r, &d.base);
    test_iterate_n(r, 1); /* writable: one write call, interest now in the kernel */
    int writes = d.writes;
    cr_assert_gt(writes, 0);
    test_write_byte(sv[1]); /* next batch: readable and writable together */
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    cr_assert_eq(d.writes, writes);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

/* ---- a handler that removes its own object and then fails ------------------------------------ */

/* A negative return asks the reactor to disconnect the object. If the handler took the object out
 * of the reactor first, it may also have freed it, and the reactor cannot tell: it must leave the
 * object alone (unlike Twisted, whose garbage collector makes calling connectionLost safe). */

static void remove_self_and_fail(test_desc *t)
{
    remove_self(t);
    t->read_result = -ECONNRESET;
}

Test(descriptors, reader_that_removes_itself_then_fails_is_not_disconnected_by_the_reactor)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.on_read = remove_self_and_fail;
    eddy_reactor_add_reader(r, &d.base);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, test_desc_has_read, &d, 20);
    test_iterate_n(r, 2);
    cr_assert_eq(d.lost, 0, "the handler removed it: its teardown is its own");
    cr_assert_eq(d.reads, 1);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

struct freed_by_its_handler {
    eddy_descriptor base;
    eddy_reactor *r;
    int *reads, *lost;
};

static int free_self_and_fail(eddy_descriptor *d)
{
    struct freed_by_its_handler *f = (struct freed_by_its_handler *)d;
    ++*f->reads;
    eddy_reactor_remove_reader(f->r, d);
    eddy_reactor_remove_writer(f->r, d);
    free(f);
    return -ECONNRESET;
}

static int no_write(eddy_descriptor *d)
{
    (void)d;
    return 0;
}

static void count_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    (void)reason;
    ++*((struct freed_by_its_handler *)d)->lost;
}

Test(descriptors, reader_that_removes_and_frees_itself_then_fails_is_not_touched_again)
{
    /* Readable and writable in one event: ASan reports any touch of the freed object. */
    static const eddy_descriptor_ops ops = {
        .do_read = free_self_and_fail, .do_write = no_write, .connection_lost = count_lost};
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    int reads = 0, lost = 0;
    struct freed_by_its_handler *f = malloc(sizeof *f);
    cr_assert_not_null(f);
    *f = (struct freed_by_its_handler){
        .base = {.ops = &ops, .fd = sv[0]}, .r = r, .reads = &reads, .lost = &lost};
    eddy_reactor_add_reader(r, &f->base);
    eddy_reactor_add_writer(r, &f->base);
    test_write_byte(sv[1]);
    for (int i = 0; i < 20 && !reads; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    test_iterate_n(r, 2);
    cr_assert_eq(reads, 1);
    cr_assert_eq(lost, 0);
    cr_assert_eq(test_count_readers(r) + test_count_writers(r), 0);
    eddy_reactor_free(r);
    test_close_pair(sv);
}

static void count_test_desc_lost(eddy_descriptor *d, const eddy_failure *reason)
{
    (void)reason;
    ((test_desc *)d)->lost++;
}

/* Plays a handler that frees its object and, before returning the old object's error, makes a new
 * reader that gets the same memory (as malloc may hand it back) and the same fd: the reactor sees
 * the same pointer in the same role, yet it is another object that did not fail. */
static int hand_over_then_fail(eddy_descriptor *d)
{
    test_desc *old = (test_desc *)d;
    eddy_reactor *r = old->r;
    int fd = d->fd;
    eddy_reactor_remove_reader(r, d);
    test_desc *fresh = old;
    test_desc_init(fresh, r, fd);
    cr_assert_eq(eddy_reactor_add_reader(r, &fresh->base), 0);
    return -ECONNRESET;
}

Test(descriptors, reader_replaced_at_the_same_address_by_its_failing_handler_is_not_disconnected)
{
    static const eddy_descriptor_ops ops = {.do_read = hand_over_then_fail,
                                            .connection_lost = count_test_desc_lost};
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    d.base.ops = &ops;
    d.drain = false;
    eddy_reactor_add_reader(r, &d.base);
    test_write_byte(sv[1]);
    for (int i = 0; i < 20 && d.base.ops == &ops; i++)
        cr_assert_eq(eddy_reactor_iterate(r, 0.05), 0);
    cr_assert_neq(d.base.ops, &ops, "the handler did not run");
    cr_assert_eq(d.lost, 0, "the new reader was disconnected for the old one's error");
    cr_assert(test_is_reader(r, &d.base));
    test_iterate_until_fn(r, test_desc_has_read, &d, 20); /* the byte is still there */
    eddy_reactor_free(r);
    test_close_pair(sv);
}
