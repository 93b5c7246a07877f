/* What follows a campaign or a merge on a complete results directory: aggregate.csv, then the
 * charts and report.html. */
#ifndef ALLOCREPLAY_POSTPROCESS_H
#define ALLOCREPLAY_POSTPROCESS_H

#include <stddef.h>

/* Writes DIR/aggregate.csv; then, when CHARTS (enum campaign_chart bits) is not 0, the charts
 * and report.html. When the charts cannot be drawn (no gnuplot), report.html is still written
 * (without them) and the chart error is returned. Returns 0 or -1 with a one-line reason. */
int results_postprocess(const char *dir, unsigned charts, char *err, size_t err_len);

#endif
