# Latency percentiles per backend for one trace, on a log scale: one line per backend over
# p50, p90, p99, p99.9 and max (medians over repetitions of the per-cell percentiles).
# Data: one row per percentile: label, then one column per backend, in ns.
# Variables: nb (backends), trace (name), reps (text).
load plotsdir.'/common.gp'
set title "Per-operation latency: ".trace."\n(median over ".reps." of each percentile; all operations)"
set ylabel "latency (ns, log scale; lower is better)"
set xlabel "percentile"
set logscale y 10
set format y "%g"
set grid xtics ytics mytics lc rgb '#e4e4e4'
set xrange [-0.3:*]
set offsets 0, 0.3, 0, 0
plot for [i=0:nb-1] data using 0:(column(2+i)):xtic(1) with linespoints \
    title columnheader(2+i) lt (i+1)
