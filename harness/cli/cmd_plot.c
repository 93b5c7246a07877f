/* allocreplay plot RESULTS_DIR: draws the charts of a results directory (harness/campaign/include/campaign/plot.h) and
 * rewrites its report.html so the page shows them. */
#include "campaign/campaign.h"
#include "cli.h"
#include "campaign/plot.h"
#include "campaign/report.h"

#include <stdio.h>

const struct opt_command plot_command = {
    .prog = "allocreplay plot",
    .positional = "RESULTS_DIR",
    .min_pos = 1,
    .max_pos = 1,
    .summary = "Draws the charts of a results directory and rewrites its report.html.",
    .about = "Writes RESULTS_DIR/plots/*.png and *.svg with gnuplot, and RESULTS_DIR/report.html.\n",
};

int cmd_plot(int argc, char **argv)
{
    struct opt_parsed p;
    char err[1024];
    int rc = cli_parse(&plot_command, argc, argv, NULL, &p);
    if (rc >= 0)
        return rc;
    const char *dir = p.pos[0];
    int n = plot_results(dir, CHART_ALL, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "allocreplay plot: %s\n", err);
        return 2;
    }
    if (report_write(dir, err, sizeof err)) {
        fprintf(stderr, "allocreplay plot: %s\n", err);
        return 2;
    }
    printf("%d chart%s in %s/plots/, report in %s/report.html\n", n, n == 1 ? "" : "s", dir,
           dir);
    return 0;
}
