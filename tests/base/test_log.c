/* test_log.c - levels, namespace filters, observers and emitting (eddy/log.h).
 * Criterion runs each test in its own process, so each starts from the default log state. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eddy/error.h"
#include "eddy/log.h"

TestSuite(log, .timeout = 10);

/* ---- a recording observer -------------------------------------------------------------------- */

#define MAX_SEEN 8

typedef struct seen_event {
    eddy_log_level level;
    double time;
    char ns[64];
    char prefix[64]; /* "" when the event had none */
    bool has_prefix;
    char message[4096];
    size_t nfields;
    eddy_log_field fields[4]; /* keys and string values point into the strings below */
    char strings[4][2][64];
} seen_event;

typedef struct recorder {
    seen_event events[MAX_SEEN];
    int count;
} recorder;

static void record(const eddy_log_event *ev, void *arg)
{
    recorder *r = arg;
    cr_assert_lt(r->count, MAX_SEEN);
    seen_event *s = &r->events[r->count++];
    s->level = ev->level;
    s->time = ev->time;
    snprintf(s->ns, sizeof s->ns, "%s", ev->ns);
    s->has_prefix = ev->prefix != NULL;
    snprintf(s->prefix, sizeof s->prefix, "%s", ev->prefix ? ev->prefix : "");
    snprintf(s->message, sizeof s->message, "%s", ev->message);
    s->nfields = ev->nfields;
    for (size_t i = 0; i < ev->nfields && i < 4; i++) {
        s->fields[i] = ev->fields[i];
        snprintf(s->strings[i][0], 64, "%s", ev->fields[i].key);
        s->fields[i].key = s->strings[i][0];
        if (ev->fields[i].type == EDDY_LOG_FIELD_STR) {
            snprintf(s->strings[i][1], 64, "%s", ev->fields[i].v.s);
            s->fields[i].v.s = s->strings[i][1];
        }
    }
}

static eddy_log_observer_id add_recorder(recorder *r, eddy_log_level min_level)
{
    eddy_log_observer_id id = 0;
    cr_assert_eq(eddy_log_add_observer(record, r, min_level, &id), 0);
    cr_assert_neq(id, 0);
    return id;
}

/* ---- levels ---------------------------------------------------------------------------------- */

Test(log, level_names_are_twisteds_level_names)
{
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_DEBUG), "debug");
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_INFO), "info");
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_WARN), "warn");
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_ERROR), "error");
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_CRITICAL), "critical");
    cr_assert_str_eq(eddy_log_level_name(EDDY_LOG_OFF), "off");
    cr_assert_str_eq(eddy_log_level_name((eddy_log_level)42), "unknown");
}

Test(log, level_parse_is_case_insensitive_and_accepts_warning)
{
    eddy_log_level level = EDDY_LOG_DEBUG;
    cr_assert_eq(eddy_log_level_parse("CRITICAL", &level), 0);
    cr_assert_eq(level, EDDY_LOG_CRITICAL);
    cr_assert_eq(eddy_log_level_parse("Warning", &level), 0);
    cr_assert_eq(level, EDDY_LOG_WARN);
    cr_assert_eq(eddy_log_level_parse("off", &level), 0);
    cr_assert_eq(level, EDDY_LOG_OFF);
}

Test(log, level_parse_rejects_unknown_names_with_einval)
{
    eddy_log_level level = EDDY_LOG_INFO;
    cr_assert_eq(eddy_log_level_parse("verbose", &level), -EINVAL);
    cr_assert_eq(eddy_log_level_parse("", &level), -EINVAL);
    cr_assert_eq(level, EDDY_LOG_INFO);
}

/* ---- filters --------------------------------------------------------------------------------- */

Test(log, default_level_is_info)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_get_level("any.thing"), EDDY_LOG_INFO);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, "any.thing"));
    cr_assert(eddy_log_would_log(EDDY_LOG_INFO, "any.thing"));
}

Test(log, without_observers_only_warn_and_above_would_log)
{
    cr_assert_not(eddy_log_would_log(EDDY_LOG_INFO, "app"));
    cr_assert(eddy_log_would_log(EDDY_LOG_WARN, "app"));
    cr_assert(eddy_log_would_log(EDDY_LOG_CRITICAL, "app"));
}

Test(log, would_log_is_false_when_no_observer_takes_the_level)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_ERROR);
    eddy_log_set_level(NULL, EDDY_LOG_DEBUG);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_WARN, "app"));
    cr_assert(eddy_log_would_log(EDDY_LOG_ERROR, "app"));
}

Test(log, would_log_is_false_for_levels_that_events_cannot_have)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_OFF, "app"));
    cr_assert_not(eddy_log_would_log((eddy_log_level)99, "app"));
    eddy_log_emit(EDDY_LOG_OFF, "app", NULL, NULL, 0, "never");
    cr_assert_eq(r.count, 0);
}

Test(log, namespace_level_applies_to_its_descendants)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG), 0);
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.net"));
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.net.tcp"));
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.net.tcp.accept"));
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.reactor"));
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy"));
}

Test(log, namespace_level_does_not_apply_to_siblings_sharing_its_text)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.network"));
    cr_assert_eq(eddy_log_get_level("eddy.network"), EDDY_LOG_INFO);
}

Test(log, most_specific_namespace_level_wins)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("eddy.net.tcp", EDDY_LOG_ERROR);
    eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_get_level("eddy.net.tcp.accept"), EDDY_LOG_ERROR);
    cr_assert_eq(eddy_log_get_level("eddy.net.udp"), EDDY_LOG_DEBUG);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_WARN, "eddy.net.tcp.accept"));
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.net.udp"));
}

Test(log, null_or_empty_namespace_sets_the_default_level)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_set_level(NULL, EDDY_LOG_ERROR), 0);
    cr_assert_eq(eddy_log_get_level("app"), EDDY_LOG_ERROR);
    cr_assert_eq(eddy_log_set_level("", EDDY_LOG_DEBUG), 0);
    cr_assert_eq(eddy_log_get_level("app"), EDDY_LOG_DEBUG);
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "app"));
}

Test(log, off_silences_a_namespace_at_every_level)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("noisy", EDDY_LOG_OFF);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_CRITICAL, "noisy.part"));
    eddy_log_emit(EDDY_LOG_CRITICAL, "noisy", NULL, NULL, 0, "dropped");
    cr_assert_eq(r.count, 0);
    cr_assert(eddy_log_would_log(EDDY_LOG_CRITICAL, "quiet"));
}

Test(log, unset_level_makes_a_namespace_inherit_again)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("eddy", EDDY_LOG_WARN);
    eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_unset_level("eddy.net"), 0);
    cr_assert_eq(eddy_log_get_level("eddy.net.tcp"), EDDY_LOG_WARN);
}

Test(log, unset_level_of_a_namespace_without_a_filter_is_enotfound)
{
    eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_unset_level("eddy.net.tcp"), EDDY_ENOTFOUND);
    cr_assert_eq(eddy_log_unset_level("eddy"), EDDY_ENOTFOUND);
}

Test(log, unset_level_of_the_default_restores_info)
{
    eddy_log_set_level(NULL, EDDY_LOG_CRITICAL);
    cr_assert_eq(eddy_log_unset_level(NULL), 0);
    cr_assert_eq(eddy_log_get_level("app"), EDDY_LOG_INFO);
}

Test(log, set_level_rejects_a_level_out_of_range)
{
    cr_assert_eq(eddy_log_set_level("app", (eddy_log_level)6), -EINVAL);
    cr_assert_eq(eddy_log_get_level("app"), EDDY_LOG_INFO);
}

Test(log, changed_filter_takes_effect_for_a_namespace_already_asked_about)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("eddy.net", EDDY_LOG_DEBUG);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.reactor"));
    eddy_log_set_level("eddy.reactor", EDDY_LOG_DEBUG);
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, "eddy.reactor"));
    eddy_log_set_level("eddy", EDDY_LOG_WARN);
    eddy_log_unset_level("eddy.reactor");
    cr_assert_not(eddy_log_would_log(EDDY_LOG_INFO, "eddy.reactor"));
}

Test(log, namespace_buffer_reused_with_new_text_is_judged_by_its_text)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("app.a", EDDY_LOG_DEBUG);
    char ns[16] = "app.a";
    cr_assert(eddy_log_would_log(EDDY_LOG_DEBUG, ns));
    memcpy(ns, "app.b", 6);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_DEBUG, ns));
}

Test(log, configure_sets_the_default_and_namespace_levels)
{
    cr_assert_eq(eddy_log_configure("warn,eddy.net=debug,myapp.db=off"), 0);
    cr_assert_eq(eddy_log_get_level("other"), EDDY_LOG_WARN);
    cr_assert_eq(eddy_log_get_level("eddy.net.tcp"), EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_get_level("myapp.db"), EDDY_LOG_OFF);
}

Test(log, configure_ignores_blanks_and_empty_items)
{
    cr_assert_eq(eddy_log_configure(" error , eddy.net = debug ,,"), 0);
    cr_assert_eq(eddy_log_get_level("other"), EDDY_LOG_ERROR);
    cr_assert_eq(eddy_log_get_level("eddy.net"), EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_configure(""), 0);
}

Test(log, configure_rejects_a_malformed_spec_and_changes_nothing)
{
    cr_assert_eq(eddy_log_configure("debug,eddy.net=loud"), -EINVAL);
    cr_assert_eq(eddy_log_configure("debug,=warn"), -EINVAL);
    cr_assert_eq(eddy_log_configure("eddy="), -EINVAL);
    cr_assert_eq(eddy_log_get_level("eddy.net"), EDDY_LOG_INFO);
    cr_assert_eq(eddy_log_get_level("eddy"), EDDY_LOG_INFO);
}

/* ---- observers and emitting ------------------------------------------------------------------ */

Test(log, observer_receives_level_namespace_prefix_message_and_fields)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_field fields[] = {EDDY_LOG_STR("peer", "10.0.0.1"), EDDY_LOG_INT("n", -3),
                               EDDY_LOG_DOUBLE("ratio", 0.5), EDDY_LOG_BOOL("tls", true)};
    eddy_log_emit(EDDY_LOG_WARN, "eddy.net.tcp", "Echo,3,10.0.0.1", fields, 4, "lost %s", "it");
    cr_assert_eq(r.count, 1);
    seen_event *s = &r.events[0];
    cr_assert_eq(s->level, EDDY_LOG_WARN);
    cr_assert_str_eq(s->ns, "eddy.net.tcp");
    cr_assert_str_eq(s->prefix, "Echo,3,10.0.0.1");
    cr_assert_str_eq(s->message, "lost it");
    cr_assert_eq(s->nfields, 4);
    cr_assert_str_eq(s->fields[0].key, "peer");
    cr_assert_str_eq(s->fields[0].v.s, "10.0.0.1");
    cr_assert_eq(s->fields[1].v.i, -3);
    cr_assert_eq(s->fields[2].v.d, 0.5);
    cr_assert_eq(s->fields[3].v.b, true);
}

Test(log, event_without_prefix_has_a_null_prefix)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "plain");
    cr_assert_eq(r.count, 1);
    cr_assert_not(r.events[0].has_prefix);
}

Test(log, null_namespace_is_delivered_as_empty)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_INFO, NULL, NULL, "no namespace");
    cr_assert_eq(r.count, 1);
    cr_assert_str_eq(r.events[0].ns, "");
}

Test(log, event_time_is_the_wall_clock_at_emission)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "now");
    clock_gettime(CLOCK_REALTIME, &after);
    cr_assert_geq(r.events[0].time, (double)before.tv_sec);
    cr_assert_leq(r.events[0].time, (double)after.tv_sec + 1.0);
}

Test(log, each_observer_gets_only_events_at_its_minimum_level_or_above)
{
    recorder all = {0}, errors = {0};
    add_recorder(&all, EDDY_LOG_DEBUG);
    add_recorder(&errors, EDDY_LOG_ERROR);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "info");
    eddy_log(EDDY_LOG_ERROR, "app", NULL, "error");
    cr_assert_eq(all.count, 2);
    cr_assert_eq(errors.count, 1);
    cr_assert_str_eq(errors.events[0].message, "error");
}

static char order[8];
static int norder;

static void mark(const eddy_log_event *ev, void *arg)
{
    order[norder++] = *(const char *)arg;
}

Test(log, observers_are_called_in_registration_order)
{
    eddy_log_observer_id b;
    eddy_log_add_observer(mark, "a", EDDY_LOG_DEBUG, NULL);
    eddy_log_add_observer(mark, "b", EDDY_LOG_DEBUG, &b);
    eddy_log_add_observer(mark, "c", EDDY_LOG_DEBUG, NULL);
    eddy_log_add_observer(mark, "d", EDDY_LOG_DEBUG, NULL);
    eddy_log_remove_observer(b);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "x");
    cr_assert_str_eq(order, "acd");
}

Test(log, removed_observer_is_not_called_again)
{
    recorder r = {0};
    eddy_log_observer_id id = add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "one");
    cr_assert_eq(eddy_log_remove_observer(id), 0);
    eddy_log(EDDY_LOG_CRITICAL, "app", NULL, "two");
    cr_assert_eq(r.count, 1);
}

Test(log, removing_an_unknown_observer_is_enotfound)
{
    recorder r = {0};
    eddy_log_observer_id id = add_recorder(&r, EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_remove_observer(id + 1), EDDY_ENOTFOUND);
    cr_assert_eq(eddy_log_remove_observer(id), 0);
    cr_assert_eq(eddy_log_remove_observer(id), EDDY_ENOTFOUND);
}

Test(log, add_observer_rejects_null_function_and_bad_level)
{
    recorder r = {0};
    eddy_log_observer_id id = 0;
    cr_assert_eq(eddy_log_add_observer(NULL, &r, EDDY_LOG_DEBUG, &id), -EINVAL);
    cr_assert_eq(eddy_log_add_observer(record, &r, EDDY_LOG_OFF, &id), -EINVAL);
    cr_assert_eq(id, 0);
}

Test(log, emit_applies_filters_itself)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_emit(EDDY_LOG_DEBUG, "app", NULL, NULL, 0, "filtered");
    cr_assert_eq(r.count, 0);
}

static int evaluated;

static int side_effect(void)
{
    return ++evaluated;
}

Test(log, filtered_out_event_does_not_evaluate_its_arguments)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_DEBUG, "app", NULL, "%d", side_effect());
    eddy_log_kv(EDDY_LOG_DEBUG, "app", NULL, EDDY_LOG_FIELDS(EDDY_LOG_INT("n", side_effect())),
                "%d", side_effect());
    cr_assert_eq(evaluated, 0);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "%d", side_effect());
    cr_assert_eq(evaluated, 1);
}

Test(log, log_kv_delivers_the_fields_listed_with_EDDY_LOG_FIELDS)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_kv(EDDY_LOG_INFO, "app", "P",
                EDDY_LOG_FIELDS(EDDY_LOG_INT("n", 7), EDDY_LOG_STR("s", "x")), "got %d", 7);
    cr_assert_eq(r.count, 1);
    cr_assert_eq(r.events[0].nfields, 2);
    cr_assert_str_eq(r.events[0].fields[0].key, "n");
    cr_assert_eq(r.events[0].fields[0].v.i, 7);
    cr_assert_str_eq(r.events[0].fields[1].v.s, "x");
    cr_assert_str_eq(r.events[0].message, "got 7");
}

Test(log, long_message_is_delivered_whole)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    char text[3001];
    memset(text, 'x', 3000);
    text[3000] = '\0';
    eddy_log(EDDY_LOG_INFO, "app", NULL, "<%s>", text);
    cr_assert_eq(strlen(r.events[0].message), 3002);
    cr_assert_eq(r.events[0].message[3001], '>');
}

Test(log, emitting_preserves_errno)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC); /* every write fails with ENOSPC */
    cr_assert_geq(full, 0);
    eddy_log_add_text_fd(full, EDDY_LOG_DEBUG, NULL);
    errno = ECONNRESET;
    eddy_log(EDDY_LOG_INFO, "app", NULL, "reset");
    cr_assert_eq(r.count, 1);
    cr_assert_eq(errno, ECONNRESET);
}

static void logs_from_inside(const eddy_log_event *ev, void *arg)
{
    int *calls = arg;
    ++*calls;
    eddy_log(EDDY_LOG_CRITICAL, "inner", NULL, "from an observer");
}

Test(log, event_emitted_inside_an_observer_is_dropped_without_deadlock)
{
    int calls = 0;
    eddy_log_add_observer(logs_from_inside, &calls, EDDY_LOG_DEBUG, NULL);
    eddy_log(EDDY_LOG_INFO, "outer", NULL, "first");
    cr_assert_eq(calls, 1);
}

static void changes_observers_from_inside(const eddy_log_event *ev, void *arg)
{
    int *results = arg;
    results[0] = eddy_log_add_observer(record, NULL, EDDY_LOG_DEBUG, NULL);
    results[1] = eddy_log_remove_observer(1);
    results[2] = eddy_log_reset();
}

Test(log, changing_observers_inside_an_observer_is_ereentrant)
{
    int results[3] = {0};
    eddy_log_add_observer(changes_observers_from_inside, results, EDDY_LOG_DEBUG, NULL);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "x");
    cr_assert_eq(results[0], EDDY_EREENTRANT);
    cr_assert_eq(results[1], EDDY_EREENTRANT);
    cr_assert_eq(results[2], EDDY_EREENTRANT);
}

static void sets_filter_from_inside(const eddy_log_event *ev, void *arg)
{
    *(int *)arg = eddy_log_set_level("later", EDDY_LOG_DEBUG);
}

Test(log, observer_may_change_filters)
{
    int rc = -1;
    eddy_log_add_observer(sets_filter_from_inside, &rc, EDDY_LOG_DEBUG, NULL);
    eddy_log(EDDY_LOG_INFO, "app", NULL, "x");
    cr_assert_eq(rc, 0);
    cr_assert_eq(eddy_log_get_level("later"), EDDY_LOG_DEBUG);
}

Test(log, reset_removes_observers_and_filters)
{
    recorder r = {0};
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log_set_level("eddy", EDDY_LOG_DEBUG);
    eddy_log_set_level(NULL, EDDY_LOG_ERROR);
    cr_assert_eq(eddy_log_reset(), 0);
    cr_assert_eq(eddy_log_get_level("eddy"), EDDY_LOG_INFO);
    cr_assert_not(eddy_log_would_log(EDDY_LOG_INFO, "eddy"));
    eddy_log_set_level(NULL, EDDY_LOG_DEBUG);
    add_recorder(&r, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_DEBUG, "eddy", NULL, "after reset");
    cr_assert_eq(r.count, 1);
}

/* ---- the stderr fallback --------------------------------------------------------------------- */

/* Point fd 2 at a pipe; return its read end (non-blocking, so reading an empty pipe returns). */
static int capture_stderr(void)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_geq(dup2(fds[1], 2), 0);
    close(fds[1]);
    cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    return fds[0];
}

static size_t drain(int fd, char *buf, size_t size)
{
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

Test(log, without_observers_warn_and_above_go_to_stderr_as_text)
{
    int fd = capture_stderr();
    eddy_log(EDDY_LOG_INFO, "eddy.reactor", NULL, "not shown");
    eddy_log(EDDY_LOG_ERROR, "eddy.reactor", "TCP,4,127.0.0.1", "shown %d", 1);
    char buf[512];
    drain(fd, buf, sizeof buf);
    cr_assert_null(strstr(buf, "not shown"));
    cr_assert(strstr(buf, " error eddy.reactor [TCP,4,127.0.0.1] shown 1\n"), "got: %s", buf);
}

Test(log, stderr_fallback_stops_while_an_observer_is_registered)
{
    int fd = capture_stderr();
    recorder r = {0};
    eddy_log_observer_id id = add_recorder(&r, EDDY_LOG_ERROR);
    eddy_log(EDDY_LOG_ERROR, "app", NULL, "to the observer");
    char buf[512];
    cr_assert_eq(drain(fd, buf, sizeof buf), 0, "got: %s", buf);
    eddy_log_remove_observer(id);
    eddy_log(EDDY_LOG_ERROR, "app", NULL, "to stderr again");
    drain(fd, buf, sizeof buf);
    cr_assert(strstr(buf, "to stderr again"), "got: %s", buf);
    cr_assert_eq(r.count, 1);
}
