/* test_log_failure.c - logging an eddy_failure with its cause chain. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eddy/failure.h"
#include "eddy/log.h"

TestSuite(log_failure, .timeout = 10);

typedef struct seen {
    int count;
    eddy_log_level level;
    char prefix[32];
    char message[64];
    size_t nfields;
    char failure[4096];
    long long code;
} seen;

static void record(const eddy_log_event *ev, void *arg)
{
    seen *s = arg;
    s->count++;
    s->level = ev->level;
    snprintf(s->prefix, sizeof s->prefix, "%s", ev->prefix ? ev->prefix : "");
    snprintf(s->message, sizeof s->message, "%s", ev->message);
    s->nfields = ev->nfields;
    for (size_t i = 0; i < ev->nfields; i++) {
        if (strcmp(ev->fields[i].key, "failure") == 0)
            snprintf(s->failure, sizeof s->failure, "%s", ev->fields[i].v.s);
        if (strcmp(ev->fields[i].key, "failure_code") == 0)
            s->code = ev->fields[i].v.i;
    }
}

Test(log_failure, event_carries_the_cause_chain_and_the_outer_code)
{
    seen s = {0};
    eddy_log_add_observer(record, &s, EDDY_LOG_DEBUG, NULL);
    eddy_failure *refused = eddy_failure_new(-ECONNREFUSED, "refused by %s", "10.0.0.1");
    eddy_failure *lost = eddy_failure_wrap(EDDY_ECONNLOST, refused, "gave up");
    eddy_log_failure(EDDY_LOG_ERROR, "eddy.net", "Client,2", lost, "connect failed after %d tries",
                     3);
    char expected[512];
    eddy_failure_format(lost, expected, sizeof expected);
    eddy_failure_unref(lost);
    eddy_failure_unref(refused);
    cr_assert_eq(s.count, 1);
    cr_assert_eq(s.level, EDDY_LOG_ERROR);
    cr_assert_str_eq(s.prefix, "Client,2");
    cr_assert_str_eq(s.message, "connect failed after 3 tries");
    cr_assert_eq(s.nfields, 2);
    cr_assert_str_eq(s.failure, expected);
    cr_assert(strstr(s.failure, "EDDY_ECONNLOST: gave up"));
    cr_assert(strstr(s.failure, " <- ECONNREFUSED: refused by 10.0.0.1"));
    cr_assert_eq(s.code, EDDY_ECONNLOST);
}

Test(log_failure, long_cause_chain_is_delivered_whole)
{
    seen s = {0};
    eddy_log_add_observer(record, &s, EDDY_LOG_DEBUG, NULL);
    eddy_failure *f = eddy_failure_new(-EIO, "root");
    for (int i = 0; i < 20; i++) {
        eddy_failure *outer = eddy_failure_wrap(EDDY_EFAILED, f, "layer %d", i);
        eddy_failure_unref(f);
        f = outer;
    }
    size_t need = eddy_failure_format(f, NULL, 0);
    eddy_log_failure(EDDY_LOG_WARN, "app", NULL, f, "deep");
    eddy_failure_unref(f);
    cr_assert_gt(need, 512);
    cr_assert_eq(strlen(s.failure), need);
    cr_assert(strstr(s.failure, "EIO: root"));
}

Test(log_failure, null_failure_logs_the_message_without_fields)
{
    seen s = {0};
    eddy_log_add_observer(record, &s, EDDY_LOG_DEBUG, NULL);
    eddy_log_failure(EDDY_LOG_ERROR, "app", NULL, NULL, "no failure");
    cr_assert_eq(s.count, 1);
    cr_assert_eq(s.nfields, 0);
    cr_assert_str_eq(s.message, "no failure");
}

Test(log_failure, failure_below_the_filter_is_not_delivered)
{
    seen s = {0};
    eddy_log_add_observer(record, &s, EDDY_LOG_DEBUG, NULL);
    eddy_failure *f = eddy_failure_from_code(-EPIPE);
    eddy_log_failure(EDDY_LOG_DEBUG, "app", NULL, f, "quiet");
    eddy_failure_unref(f);
    cr_assert_eq(s.count, 0);
}
