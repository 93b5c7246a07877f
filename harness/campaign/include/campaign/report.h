/* report.html: one self-contained page per results directory (no external file, script or
 * font): the charts of plots/ embedded as base64 PNG, the aggregate table, the failed cells,
 * and meta.yaml verbatim. Written atomically. */
#ifndef ALLOCREPLAY_REPORT_H
#define ALLOCREPLAY_REPORT_H

#include <stddef.h>

/* Writes DIR/report.html from DIR/summary.csv, DIR/meta.yaml (optional) and the PNG charts in DIR/plots
 * (optional). Returns 0 or -1 with a one-line reason in err. */
int report_write(const char *dir, char *err, size_t err_len);

#endif
