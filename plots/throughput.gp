# Throughput per backend per trace: clustered bars (one cluster per trace, one bar per
# backend) at the median over repetitions, whiskers from the slowest to the fastest run.
# Data: one row per trace: name, then per backend median, min, max in million events/s.
# Variables: nb (backends), reps (text such as "5 repetitions"), logy (1: log axis from ymin,
# chosen by the caller when the traces' speeds differ by more than 20x).
load plotsdir.'/common.gp'
set title "Replay throughput per trace and backend\n(bars: median of ".reps."; whiskers: slowest and fastest run)"
if (!exists("logy")) logy = 0
set ylabel (logy ? "million events per second (log scale; higher is better)" \
                 : "million events per second (higher is better)")
set xlabel "trace"
set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.85 border lc rgb '#333333'
set boxwidth 0.9 relative
if (logy) {
    set logscale y 10
    set yrange [ymin:*]
    set format y "%g"
    set grid ytics mytics lc rgb '#e4e4e4'
} else {
    set yrange [0:*]
    set offsets 0, 0, graph 0.06, 0
}
set xtics rotate by -25 left
set grid noxtics
plot for [i=0:nb-1] data using (column(2+3*i)):(column(3+3*i)):(column(4+3*i)):xtic(1) \
    title columnheader(2+3*i) lt (i+1)
