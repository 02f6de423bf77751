# threads.gp - thread scaling of the largest GEMV (n = 1): median time per
# format against the thread count, error bars from the 95% CI.
fig = 'threads'
load plots.'style.gp'
title_text = 'Thread scaling, largest GEMV (n = 1)'
nodata = nodata_threads
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set xlabel 'threads'
    set ylabel 'time per GEMV (ms, median, 95% CI)'
    set logscale y
    set format y '%g'
    set xtics 1
    set key outside right top box opaque
    stats 'threads.csv' using 4 nooutput
    set xrange [STATS_min - 0.5 : STATS_max + 0.5]
    plot for [i=1:words(formats)] 'threads.csv' using 4:(strcol(1) eq word(formats,i) ? $5 : NaN):6:7 \
             w yerrorlines pt 7 lw 2 lc rgb fmt_color(word(formats,i)) t word(formats,i)
}
