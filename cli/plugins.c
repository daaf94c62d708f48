/* plugins.c - the table of the eddy command's plugins. */
#include <stdarg.h>
#include <stdio.h>

#include "plugin.h"

extern const eddy_cli_plugin eddy_cli_plugin_echo, eddy_cli_plugin_discard, eddy_cli_plugin_chargen,
    eddy_cli_plugin_daytime, eddy_cli_plugin_qotd, eddy_cli_plugin_time,
    eddy_cli_plugin_portforward, eddy_cli_plugin_lines;

const eddy_cli_plugin *const eddy_cli_plugins[] = {
    &eddy_cli_plugin_chargen, &eddy_cli_plugin_daytime, &eddy_cli_plugin_discard,
    &eddy_cli_plugin_echo,    &eddy_cli_plugin_lines,   &eddy_cli_plugin_portforward,
    &eddy_cli_plugin_qotd,    &eddy_cli_plugin_time,    NULL,
};

int eddy_cli_fail(eddy_cli_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return -1;
}
