# Fragmentation per backend: three panels (internal, Johnstone-Wilson #3, #4; docs/metrics.md),
# each with one cluster per trace and one bar per backend, median over repetitions, in percent.
# Data: three blocks (index 0, 1, 2), each: a header row, then per trace: name, one column per
# backend. Variables: nb (backends), reps (text).
if (!exists("w")) w = 1100
if (!exists("h")) h = 900
load plotsdir.'/common.gp'
set multiplot layout 3, 1 title "Fragmentation per backend (median of ".reps."; lower is better)" font ",14"
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.85 border lc rgb '#333333'
set boxwidth 0.9 relative
set ylabel "%"
set yrange [0:*]
set grid noxtics
set key outside right top
panel(k) = (k == 0 ? "internal: (usable - requested) / usable, at peak live" : \
            k == 1 ? "J&W #3: footprint / live at peak footprint - 1" : \
                     "J&W #4: peak footprint / peak live - 1")
do for [k=0:2] {
    set title panel(k) font ",12"
    plot for [i=0:nb-1] data index k using (column(2+i)):xtic(1) title columnheader(2+i) lt (i+1)
}
unset multiplot
