# Fragmentation per backend: three panels (docs/metrics.md), each with one cluster per trace
# and one bar per backend, medians over repetitions:
#   internal fragmentation in percent (linear), and the Johnstone & Wilson measures #3 and #4
#   as the ratio footprint / live (= the measure + 1) on a log axis, where 1 means no overhead.
# Data: three blocks (index 0, 1, 2), each a header row, then per trace: name, one column per
# backend. Variables: nb (backends), reps (text), has (one '0'/'1' per panel: '0' when no
# backend has that measure, e.g. no footprint statistics; the panel then says so).
if (!exists("w")) w = 1100
if (!exists("h")) h = 1100
load plotsdir.'/common.gp'
set multiplot layout 3, 1 title "Fragmentation per backend (median of ".reps."; lower is better)" font ",14"
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.85 border lc rgb '#333333'
set boxwidth 0.9 relative
set grid noxtics
set key outside right top
# Trace names are long: slanted, like the throughput chart, so neighbours never run together.
set xtics rotate by -25 left font ",9"
do for [k=0:2] {
    if (k == 0) {
        set title "internal: (usable - requested) / usable, at peak live" font ",12"
        set ylabel "%"
        unset logscale y
        set yrange [0:*]
        set format y "%g"
    } else {
        set title (k == 1 ? "J&W #3: footprint / live, at peak footprint" \
                          : "J&W #4: peak footprint / peak live") font ",12"
        set ylabel "ratio (log scale; 1 = no overhead)"
        set logscale y 10
        set yrange [1:*]
        set format y "%gx"
    }
    if (substr(has, k + 1, k + 1) eq "1") {
        plot for [i=0:nb-1] data index k using (column(2+i)):xtic(1) title columnheader(2+i) lt (i+1)
    } else {
        set xrange [-1:1]; set yrange [1:10]; unset xtics
        set label 1 "unknown for every backend here" at 0, 3 center font ",11"
        plot NaN notitle
        unset label 1; set autoscale x; set xtics rotate by -25 left font ",9"
    }
}
unset multiplot
