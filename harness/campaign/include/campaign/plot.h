/* Charts of a results directory (docs/campaigns.md): the C side reshapes summary.csv (through the
 * same aggregation as aggregate.csv) and timeline.csv into small data files in a temporary
 * directory and runs the gnuplot scripts of plots/ (fork+exec, no shell), once per chart and
 * format, writing RESULTS_DIR/plots/NAME.png and NAME.svg:
 *   throughput            bars per trace and backend, min-max whiskers
 *   latency-TRACE         percentiles per backend, log scale (when the latency pass ran)
 *   memory-TRACE          live bytes vs footprint vs RSS over the replay (when timeline.csv has it)
 *   fragmentation         internal, J&W #3 and #4 per backend and trace
 * Each chart is written under a temporary name and renamed, so a failure leaves no partial
 * chart. The scripts are found in $ALLOCREPLAY_PLOTS_DIR, else in the source tree's plots/.
 */
#ifndef ALLOCREPLAY_PLOT_H
#define ALLOCREPLAY_PLOT_H

#include <stddef.h>

#define PLOT_NO_GNUPLOT (-2)

/* Draws the charts selected by CHARTS (enum campaign_chart bits) for DIR. Returns the number
 * of charts drawn (>= 0), PLOT_NO_GNUPLOT when gnuplot is not in PATH, or -1; both with a
 * one-line reason in err. */
int plot_results(const char *dir, unsigned charts, char *err, size_t err_len);

#endif
