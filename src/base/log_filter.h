/* log_filter.h - internal: the per-namespace level filters (log_filter.c) as the observer
 * registry (log.c) sees them. */
#ifndef EDDY_BASE_LOG_FILTER_H
#define EDDY_BASE_LOG_FILTER_H

#include "eddy/log.h"

/** Tell the filters the lowest level any sink takes: the lowest observer minimum, or
 * EDDY_LOG_WARN while the stderr fallback is in force. Events below it are filtered out early. */
void eddy__log_filter_set_sink_level(eddy_log_level level);

/** Drop every filter and restore the default level (info). */
void eddy__log_filter_reset(void);

#endif
