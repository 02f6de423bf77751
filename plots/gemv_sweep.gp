# gemv_sweep.gp - single-thread GEMV (n = 1): achieved GB/s against the
# size of the weights, per format, hot (filled) and cold (open), error bars
# from the stored 95% CI of the median time; the machine's cache sizes as
# vertical lines.
fig = 'gemv_sweep'
load plots.'style.gp'
title_text = 'GEMV (n = 1, 1 thread): bandwidth against weight size'
nodata = nodata_gemv_sweep
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set logscale x 2
    set xlabel 'weights (MiB)'
    set ylabel 'GB/s (median, 95% CI)'
    set format x '%g'
    set key outside right top box opaque
    set yrange [0:*]
    set offsets 0, 0, graph 0.08, 0
    stats 'gemv_sweep.csv' using 3 nooutput
    lo = STATS_min / 1.5
    hi = STATS_max * 1.5
    if (l2_mib == l2_mib && l2_mib < lo) { lo = l2_mib / 1.5 }
    if (l2_mib == l2_mib && l2_mib > hi) { hi = l2_mib * 1.5 }
    if (l3_mib == l3_mib && l3_mib > hi) { hi = l3_mib * 1.5 }
    set xrange [lo:hi]
    if (l2_mib == l2_mib) { set arrow 1 from l2_mib, graph 0 to l2_mib, graph 1 nohead dt 2 lc rgb '#888888'; \
        set label 2 sprintf('L2 %g MiB', l2_mib) at l2_mib, graph 0.96 left offset 0.5,0 textcolor rgb '#666666' }
    if (l3_mib == l3_mib) { set arrow 3 from l3_mib, graph 0 to l3_mib, graph 1 nohead dt 2 lc rgb '#888888'; \
        set label 4 sprintf('L3 %g MiB', l3_mib) at l3_mib, graph 0.96 right offset -0.5,0 textcolor rgb '#666666' }
    plot for [i=1:words(formats)] 'gemv_sweep.csv' using 3:(strcol(1) eq word(formats,i) && strcol(2) eq 'hot' ? $4 : NaN):5:6 \
             w yerrorbars pt 7 ps 1.2 lc rgb fmt_color(word(formats,i)) notitle, \
         for [i=1:words(formats)] 'gemv_sweep.csv' using 3:(strcol(1) eq word(formats,i) && strcol(2) eq 'cold' ? $4 : NaN):5:6 \
             w yerrorbars pt 6 ps 1.4 lw 2 lc rgb fmt_color(word(formats,i)) notitle, \
         for [i=1:words(formats)] NaN w p pt 5 ps 1.4 lc rgb fmt_color(word(formats,i)) t word(formats,i), \
         NaN w p pt 7 lc rgb '#000000' t 'hot (filled)', NaN w p pt 6 lc rgb '#000000' t 'cold (open)'
}
