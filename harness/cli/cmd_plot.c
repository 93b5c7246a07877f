/* allocreplay plot RESULTS_DIR: draws the charts of a results directory (harness/campaign/include/campaign/plot.h) and
 * rewrites its report.html so the page shows them. */
#include "campaign/campaign.h"
#include "cli.h"
#include "campaign/plot.h"
#include "campaign/report.h"

#include <stdio.h>
#include <string.h>

int cmd_plot(int argc, char **argv)
{
    char err[1024];
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: allocreplay plot RESULTS_DIR\n"
               "Writes RESULTS_DIR/plots/*.png and *.svg with gnuplot, and RESULTS_DIR/report.html.\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: allocreplay plot RESULTS_DIR\n");
        return 2;
    }
    int n = plot_results(argv[1], CHART_ALL, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "allocreplay plot: %s\n", err);
        return 2;
    }
    if (report_write(argv[1], err, sizeof err)) {
        fprintf(stderr, "allocreplay plot: %s\n", err);
        return 2;
    }
    printf("%d chart%s in %s/plots/, report in %s/report.html\n", n, n == 1 ? "" : "s", argv[1],
           argv[1]);
    return 0;
}
